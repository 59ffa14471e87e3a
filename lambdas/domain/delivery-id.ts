// A delivery is one event for one subscription, so its id is derived from the pair: a re-ingested
// event maps onto the same ids and creates nothing new. The id is readable and reversible
// (`<eventId>.<subscriptionId>`): storage looks a delivery up by the pair it encodes.
import { createHash } from 'node:crypto';
import { ValidationError } from './errors';

const SUBSCRIPTION_ID = /^sub_[a-z2-7]{20}$/;

export function isSubscriptionId(value: string): boolean {
  return SUBSCRIPTION_ID.test(value);
}

/** DynamoDB's limit on a partition key: a longer event id names nothing stored, and reading it would fail. */
export const MAX_EVENT_KEY_BYTES = 2048;
export const EVENT_ID_TOO_LONG = `must be at most ${MAX_EVENT_KEY_BYTES} bytes`;

export function isStorableEventId(eventId: string): boolean {
  return Buffer.byteLength(eventId, 'utf8') <= MAX_EVENT_KEY_BYTES;
}

export function deliveryIdOf(eventId: string, subscriptionId: string): string {
  return `${eventId}.${subscriptionId}`;
}

/** Splits at the last dot: event ids may contain dots, subscription ids never do. */
export function parseDeliveryId(deliveryId: string): { eventId: string; subscriptionId: string } {
  const dot = deliveryId.lastIndexOf('.');
  const eventId = deliveryId.slice(0, dot);
  const subscriptionId = deliveryId.slice(dot + 1);
  if (dot <= 0 || !isSubscriptionId(subscriptionId)) {
    throw new ValidationError(`not a delivery id: ${JSON.stringify(deliveryId)} (expected <eventId>.<subscriptionId>)`);
  }
  if (!isStorableEventId(eventId)) throw new ValidationError(`not a delivery id: its event id ${EVENT_ID_TOO_LONG}`);
  return { eventId, subscriptionId };
}

/** The pair a delivery id encodes, or undefined when the id cannot name any delivery. */
export function deliveryKeyOf(deliveryId: string): { eventId: string; subscriptionId: string } | undefined {
  try {
    return parseDeliveryId(deliveryId);
  } catch {
    return undefined;
  }
}

/**
 * Stable short hash, for names with a tight alphabet or length (schedule names, index shards).
 * Not a secret and not a security boundary.
 */
export function stableHash(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Deterministic schedule name for one attempt, so creating it twice is a no-op (ConflictException). */
export function scheduleNameOf(deliveryId: string, attempt: number): string {
  return `attempt-${stableHash(deliveryId).slice(0, 40)}-${attempt}`;
}

export function pendingShardOf(deliveryId: string, shards: number): string {
  return String(parseInt(stableHash(deliveryId).slice(0, 8), 16) % shards);
}
