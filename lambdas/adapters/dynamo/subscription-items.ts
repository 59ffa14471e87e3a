import type { BasicAuth, DisabledReason, SigningSecret, Subscription, SubscriptionStatus } from '../../domain/types';
import { TTL_ATTRIBUTE } from '../../storage/tables';
import { compact, expiresAtOf, optionalNumber, optionalString, type Item } from './item';

/**
 * A deleted subscription stays as a tombstone (deliveries still name it) and expires with the
 * retention period, counted from its deletion (its `updatedAt`).
 */
export function subscriptionToItem(subscription: Subscription, retentionDays: number): Item {
  return compact({
    id: subscription.id,
    url: subscription.url,
    basicAuth: subscription.basicAuth ? { ...subscription.basicAuth } : undefined,
    eventTypes: subscription.eventTypes ? [...subscription.eventTypes] : undefined,
    headers: subscription.headers ? { ...subscription.headers } : undefined,
    signingSecrets: subscription.signingSecrets?.map((s) => compact({ ...s })),
    description: subscription.description,
    maxConcurrency: subscription.maxConcurrency,
    rateLimit: subscription.rateLimit,
    status: subscription.status,
    disabledReason: subscription.disabledReason,
    failingSince: subscription.failingSince,
    runDeliveredAt: subscription.runDeliveredAt,
    createdAt: subscription.createdAt,
    updatedAt: subscription.updatedAt,
    [TTL_ATTRIBUTE]: subscription.status === 'deleted' ? expiresAtOf(subscription.updatedAt, retentionDays) : undefined,
  });
}

export function subscriptionFromItem(item: Item): Subscription {
  return compact({
    id: item.id as string,
    url: item.url as string,
    basicAuth: item.basicAuth as BasicAuth | undefined,
    eventTypes: item.eventTypes as string[] | undefined,
    headers: item.headers as Record<string, string> | undefined,
    signingSecrets: item.signingSecrets as SigningSecret[] | undefined,
    description: optionalString(item, 'description'),
    maxConcurrency: optionalNumber(item, 'maxConcurrency'),
    rateLimit: optionalNumber(item, 'rateLimit'),
    status: item.status as SubscriptionStatus,
    disabledReason: optionalString(item, 'disabledReason') as DisabledReason | undefined,
    failingSince: optionalString(item, 'failingSince'),
    runDeliveredAt: optionalString(item, 'runDeliveredAt'),
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
  });
}
