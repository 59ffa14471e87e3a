import type { BasicAuth, DisabledReason, SigningSecret, Subscription, SubscriptionStatus } from '../../domain/types';
import { TTL_ATTRIBUTE } from '../../storage/tables';
import { circuitFromItem, circuitToItem } from './circuit-items';
import { compact, expiresAtOf, optionalString, type Item } from './item';

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
    status: subscription.status,
    disabledReason: subscription.disabledReason,
    failingSince: subscription.failingSince,
    runDeliveredAt: subscription.runDeliveredAt,
    // Carried through support's read-modify-write; only the sender's conditional updates change it.
    ...circuitToItem(subscription.circuit),
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
    status: item.status as SubscriptionStatus,
    disabledReason: optionalString(item, 'disabledReason') as DisabledReason | undefined,
    failingSince: optionalString(item, 'failingSince'),
    runDeliveredAt: optionalString(item, 'runDeliveredAt'),
    circuit: circuitFromItem(item),
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
  });
}
