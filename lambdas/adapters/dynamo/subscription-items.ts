import type { BasicAuth, DisabledReason, FanoutTarget, SigningSecret, Subscription, SubscriptionStatus } from '../../domain/types';
import { TTL_ATTRIBUTE } from '../../storage/tables';
import { circuitFromItem, circuitToItem } from './circuit-items';
import { compact, expiresAtOf, optionalNumber, optionalString, type Item } from './item';

/**
 * The fields that hold secrets (the URL with its userinfo, query and path, Basic auth, static
 * headers with their names, signing secrets): stored as one sealed attribute, never in clear.
 */
export interface SubscriptionSecrets {
  url: string;
  basicAuth?: BasicAuth;
  headers?: Record<string, string>;
  signingSecrets?: SigningSecret[];
}

/** The attribute that holds the sealed secrets (lambdas/adapters/crypto/envelope-secret-box.ts). */
export const SEALED_SECRETS = 'sealedSecrets';

/** The item of the subscriptions table whose `version` every subscription write changes (never a subscription: no status). */
export const VERSION_ITEM_ID = '#version';

export function secretFieldsOf(subscription: Subscription): SubscriptionSecrets {
  return compact({
    url: subscription.url,
    basicAuth: subscription.basicAuth,
    headers: subscription.headers,
    signingSecrets: subscription.signingSecrets,
  });
}

/**
 * A deleted subscription stays as a tombstone (deliveries still name it) and expires with the
 * retention period, counted from its deletion (its `updatedAt`).
 */
export function subscriptionToItem(subscription: Subscription, retentionDays: number, sealedSecrets: string): Item {
  return compact({
    id: subscription.id,
    ...supportAttributesOf(subscription, retentionDays, sealedSecrets),
    failingSince: subscription.failingSince,
    runDeliveredAt: subscription.runDeliveredAt,
    ...circuitToItem(subscription.circuit),
  });
}

/**
 * The attributes support's writes own, each present (`undefined` when the field is absent, so the
 * keys are the whole list). The failing run and the circuit are not among them: only the sender's
 * conditional updates change those, so a read-modify-write by support cannot undo one of them.
 */
export function supportAttributesOf(subscription: Subscription, retentionDays: number, sealedSecrets: string): Item {
  return {
    [SEALED_SECRETS]: sealedSecrets,
    eventTypes: subscription.eventTypes ? [...subscription.eventTypes] : undefined,
    description: subscription.description,
    maxConcurrency: subscription.maxConcurrency,
    rateLimit: subscription.rateLimit,
    status: subscription.status,
    disabledReason: subscription.disabledReason,
    createdAt: subscription.createdAt,
    updatedAt: subscription.updatedAt,
    [TTL_ATTRIBUTE]: subscription.status === 'deleted' ? expiresAtOf(subscription.updatedAt, retentionDays) : undefined,
  };
}

/** The secret fields as plain attributes, as items written before sealing hold them; a write removes them. */
export const PLAIN_SECRET_ATTRIBUTES = ['url', 'basicAuth', 'headers', 'signingSecrets'] as const;

/** The failing run's attributes (subscription-health.ts), which support removes only on enable. */
export const FAILING_RUN_ATTRIBUTES = ['failingSince', 'runDeliveredAt'] as const;

/**
 * The secret fields of an item written before they were sealed, as plain attributes. Such items are
 * read as they are and stored sealed by their next write.
 */
export function plainSecretsOf(item: Item): SubscriptionSecrets {
  return compact({
    url: item.url as string,
    basicAuth: item.basicAuth as BasicAuth | undefined,
    headers: item.headers as Record<string, string> | undefined,
    signingSecrets: item.signingSecrets as SigningSecret[] | undefined,
  });
}

export function subscriptionFromItem(item: Item, secrets: SubscriptionSecrets): Subscription {
  return compact({
    id: item.id as string,
    url: secrets.url,
    basicAuth: secrets.basicAuth,
    eventTypes: item.eventTypes as string[] | undefined,
    headers: secrets.headers,
    signingSecrets: secrets.signingSecrets,
    description: optionalString(item, 'description'),
    maxConcurrency: optionalNumber(item, 'maxConcurrency'),
    rateLimit: optionalNumber(item, 'rateLimit'),
    status: item.status as SubscriptionStatus,
    disabledReason: optionalString(item, 'disabledReason') as DisabledReason | undefined,
    failingSince: optionalString(item, 'failingSince'),
    runDeliveredAt: optionalString(item, 'runDeliveredAt'),
    circuit: circuitFromItem(item),
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
  });
}

export function fanoutTargetFromItem(item: Item): FanoutTarget {
  return compact({
    id: item.id as string,
    status: item.status as SubscriptionStatus,
    eventTypes: item.eventTypes as string[] | undefined,
    circuit: circuitFromItem(item),
  });
}
