// Mapping between the domain's events, deliveries and attempts and the items of their tables.
import { deliveryIdOf, deliveryKeyOf as parsedDeliveryKeyOf, pendingShardOf } from '../../domain/delivery-id';
import type { DeliveryState } from '../../domain/delivery-lifecycle';
import type { Attempt, AttemptOutcome, AttemptSummary, AttemptTrigger, Delivery, DeliveryStatus, EventRecord } from '../../domain/types';
import { PENDING_SHARDS, SUBSCRIPTION_SHARDS, TTL_ATTRIBUTE } from '../../storage/tables';
import { compact, expiresAtOf, optionalNumber, optionalString, type Item } from './item';

/** Primary key of a delivery item. */
export type DeliveryKey = {
  deliveryId: string;
};

/** The key of the delivery `deliveryId` names, or undefined when it names none (it does not parse). */
export function deliveryKeyOf(deliveryId: string): DeliveryKey | undefined {
  return parsedDeliveryKeyOf(deliveryId) ? { deliveryId } : undefined;
}

export function pendingShard(deliveryId: string): string {
  return pendingShardOf(deliveryId, PENDING_SHARDS);
}

/** The `bySubscription` index's partition key of a delivery: its subscription and one of that subscription's shards. */
export function subscriptionShard(deliveryId: string, subscriptionId: string): string {
  return `${subscriptionId}#${pendingShardOf(deliveryId, SUBSCRIPTION_SHARDS)}`;
}

/** The `bySubscription` index's sort key: creation time, then the id, so that every entry's key is unique and ordered. */
export function createdKey(createdAt: string, deliveryId: string): string {
  return `${createdAt}#${deliveryId}`;
}

/** The event item as the domain sees it, with its plan (read from its chunks when it has them). */
export function eventFromItem(item: Item, subscriptionIds: string[]): EventRecord {
  return {
    eventId: item.eventId as string,
    type: item.type as string,
    body: item.body as string,
    receivedAt: item.receivedAt as string,
    sourceMessageId: item.sourceMessageId as string,
    subscriptionIds,
  };
}

export function summaryToItem(summary: AttemptSummary): Item {
  return compact({
    number: summary.number,
    outcome: summary.outcome,
    statusCode: summary.statusCode,
    startedAt: summary.startedAt,
    error: summary.error,
  });
}

/**
 * A delivered attempt whose response excerpt is at most this long is kept whole on the delivery item
 * (`lastAttempt`) instead of in the attempt log: the completion write records it, so a delivery that
 * succeeds at once costs no attempt-log write, and the item stays within one 1 KB write unit.
 */
export const INLINE_RESPONSE_MAX_BYTES = 512;

export function fitsOnDelivery(attempt: Attempt): boolean {
  return attempt.outcome === 'delivered' && Buffer.byteLength(attempt.responseBody ?? '', 'utf8') <= INLINE_RESPONSE_MAX_BYTES;
}

/** `lastAttempt` holding the whole attempt; `durationMs` is what tells it from a summary. */
export function inlineAttemptToItem(attempt: Attempt): Item {
  return compact({
    ...summaryToItem(attempt),
    trigger: attempt.trigger,
    durationMs: attempt.durationMs,
    responseBody: attempt.responseBody,
  });
}

/** The attempt kept whole on a delivery item, if it holds one: read as an attempt-log row would be. */
export function inlineAttemptOf(deliveryItem: Item): Attempt | undefined {
  const last = deliveryItem.lastAttempt as Item | undefined;
  if (!last || typeof last.durationMs !== 'number') return undefined;
  return attemptFromItem({ ...last, deliveryId: deliveryIdOfItem(deliveryItem), attempt: last.number });
}

/** Items written before `deliveryId` was stored carry only the key it is derived from. */
function deliveryIdOfItem(item: Item): string {
  return optionalString(item, 'deliveryId') ?? deliveryIdOf(item.eventId as string, item.subscriptionId as string);
}

function summaryFromItem(item: Item): AttemptSummary {
  return compact({
    number: item.number as number,
    outcome: item.outcome as AttemptOutcome,
    statusCode: optionalNumber(item, 'statusCode'),
    startedAt: item.startedAt as string,
    error: optionalString(item, 'error'),
  });
}

/** `pendingShard` is what puts a delivery into the sparse pending index (the sweeper's watch). */
export function deliveryToItem(delivery: Delivery, retentionDays: number): Item {
  return compact({
    eventId: delivery.eventId,
    subscriptionId: delivery.subscriptionId,
    deliveryId: delivery.deliveryId,
    subscriptionShard: subscriptionShard(delivery.deliveryId, delivery.subscriptionId),
    createdKey: createdKey(delivery.createdAt, delivery.deliveryId),
    eventType: delivery.eventType,
    status: delivery.status,
    createdAt: delivery.createdAt,
    updatedAt: delivery.updatedAt,
    attemptCount: delivery.attemptCount,
    budgetStart: delivery.budgetStart,
    nextAttemptAt: delivery.nextAttemptAt,
    nextTrigger: delivery.nextTrigger,
    leaseUntil: delivery.leaseUntil,
    lastAttempt: delivery.lastAttempt ? summaryToItem(delivery.lastAttempt) : undefined,
    statusReason: delivery.statusReason,
    completedAt: delivery.completedAt,
    budgetStartedAt: delivery.budgetStartedAt,
    deferredSince: delivery.deferredSince,
    deferReason: delivery.deferReason,
    pendingShard: delivery.status === 'pending' ? pendingShard(delivery.deliveryId) : undefined,
    [TTL_ATTRIBUTE]: expiresAtOf(delivery.createdAt, retentionDays),
  });
}

/** What the lifecycle's predicates read of a stored delivery item. */
export function deliveryStateOf(item: Item): DeliveryState {
  return compact({
    status: item.status as DeliveryStatus,
    attemptCount: item.attemptCount as number,
    nextAttemptAt: optionalString(item, 'nextAttemptAt'),
    leaseUntil: optionalString(item, 'leaseUntil'),
    updatedAt: item.updatedAt as string,
    watched: item.pendingShard !== undefined,
    deferred: item.deferredSince !== undefined,
    createdAt: optionalString(item, 'createdAt'),
    budgetStartedAt: optionalString(item, 'budgetStartedAt'),
  });
}

export function deliveryFromItem(item: Item): Delivery {
  return compact({
    deliveryId: deliveryIdOfItem(item),
    eventId: item.eventId as string,
    subscriptionId: item.subscriptionId as string,
    eventType: item.eventType as string,
    status: item.status as DeliveryStatus,
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
    attemptCount: item.attemptCount as number,
    budgetStart: item.budgetStart as number,
    nextAttemptAt: optionalString(item, 'nextAttemptAt'),
    nextTrigger: optionalString(item, 'nextTrigger') as AttemptTrigger | undefined,
    leaseUntil: optionalString(item, 'leaseUntil'),
    lastAttempt: item.lastAttempt ? summaryFromItem(item.lastAttempt as Item) : undefined,
    statusReason: optionalString(item, 'statusReason'),
    completedAt: optionalString(item, 'completedAt'),
    budgetStartedAt: optionalString(item, 'budgetStartedAt'),
    deferredSince: optionalString(item, 'deferredSince'),
    deferReason: optionalString(item, 'deferReason'),
  });
}

export function attemptToItem(attempt: Attempt, retentionDays: number): Item {
  return compact({
    deliveryId: attempt.deliveryId,
    attempt: attempt.number,
    trigger: attempt.trigger,
    startedAt: attempt.startedAt,
    durationMs: attempt.durationMs,
    outcome: attempt.outcome,
    statusCode: attempt.statusCode,
    error: attempt.error,
    responseBody: attempt.responseBody,
    [TTL_ATTRIBUTE]: expiresAtOf(attempt.startedAt, retentionDays),
  });
}

export function attemptFromItem(item: Item): Attempt {
  return compact({
    deliveryId: item.deliveryId as string,
    number: item.attempt as number,
    trigger: item.trigger as AttemptTrigger,
    startedAt: item.startedAt as string,
    durationMs: item.durationMs as number,
    outcome: item.outcome as AttemptOutcome,
    statusCode: optionalNumber(item, 'statusCode'),
    error: optionalString(item, 'error'),
    responseBody: optionalString(item, 'responseBody'),
  });
}
