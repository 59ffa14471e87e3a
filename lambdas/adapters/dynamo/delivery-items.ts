// Mapping between the domain's events, deliveries and attempts and the items of their tables.
import { deliveryIdOf, parseDeliveryId, pendingShardOf } from '../../domain/delivery-id';
import type {
  Attempt,
  AttemptOutcome,
  AttemptSummary,
  AttemptTrigger,
  Delivery,
  DeliveryStatus,
  EventRecord,
} from '../../domain/types';
import { PENDING_SHARDS, TTL_ATTRIBUTE } from '../../storage/tables';
import { compact, expiresAtOf, optionalNumber, optionalString, type Item } from './item';

/** Primary key of a delivery item. */
export type DeliveryKey = {
  eventId: string;
  subscriptionId: string;
};

/** The key a delivery id encodes, or undefined when the id cannot name any delivery. */
export function deliveryKeyOf(deliveryId: string): DeliveryKey | undefined {
  try {
    return parseDeliveryId(deliveryId);
  } catch {
    return undefined;
  }
}

export function pendingShard(deliveryId: string): string {
  return pendingShardOf(deliveryId, PENDING_SHARDS);
}

export function eventToItem(event: EventRecord, retentionDays: number): Item {
  return {
    eventId: event.eventId,
    type: event.type,
    body: event.body,
    receivedAt: event.receivedAt,
    sourceMessageId: event.sourceMessageId,
    subscriptionIds: [...event.subscriptionIds],
    [TTL_ATTRIBUTE]: expiresAtOf(event.receivedAt, retentionDays),
  };
}

export function eventFromItem(item: Item): EventRecord {
  return {
    eventId: item.eventId as string,
    type: item.type as string,
    body: item.body as string,
    receivedAt: item.receivedAt as string,
    sourceMessageId: item.sourceMessageId as string,
    subscriptionIds: (item.subscriptionIds as string[] | undefined) ?? [],
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

function summaryFromItem(item: Item): AttemptSummary {
  return compact({
    number: item.number as number,
    outcome: item.outcome as AttemptOutcome,
    statusCode: optionalNumber(item, 'statusCode'),
    startedAt: item.startedAt as string,
    error: optionalString(item, 'error'),
  });
}

/** `pendingShard` is written only while pending: it is what puts a delivery into the sparse pending index. */
export function deliveryToItem(delivery: Delivery, retentionDays: number): Item {
  return compact({
    eventId: delivery.eventId,
    subscriptionId: delivery.subscriptionId,
    deliveryId: delivery.deliveryId,
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
    pendingShard: delivery.status === 'pending' ? pendingShard(delivery.deliveryId) : undefined,
    [TTL_ATTRIBUTE]: expiresAtOf(delivery.createdAt, retentionDays),
  });
}

export function deliveryFromItem(item: Item): Delivery {
  const eventId = item.eventId as string;
  const subscriptionId = item.subscriptionId as string;
  return compact({
    deliveryId: optionalString(item, 'deliveryId') ?? deliveryIdOf(eventId, subscriptionId),
    eventId,
    subscriptionId,
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
