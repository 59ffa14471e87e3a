// The conditional updates that move a delivery through its states. Each is one UpdateItem, so the
// condition and the change are atomic; attempt numbers and leases are what make them exclusive.
import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AttemptConclusion } from '../../domain/ports';
import type { Attempt, Delivery, DeliveryWakeup } from '../../domain/types';
import { summaryToItem, type DeliveryKey } from './delivery-items';

/** `:heldLease` and `:n` pin the update to the sender that claimed attempt `n` with that lease. */
const HOLDS_LEASE = 'attemptCount = :n AND leaseUntil = :heldLease';

export function claimUpdate(
  tableName: string,
  key: DeliveryKey,
  wakeup: DeliveryWakeup,
  now: string,
  leaseUntil: string,
): UpdateCommandInput {
  return {
    TableName: tableName,
    Key: key,
    // Either the previous attempt is done (no live lease) and this one is due, or this attempt was
    // claimed before by a sender whose lease ran out (it crashed or timed out) and may be taken over.
    ConditionExpression:
      '#status = :pending AND (' +
      '(attemptCount = :prev AND nextAttemptAt <= :now AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now))' +
      ' OR (attemptCount = :n AND leaseUntil < :now))',
    UpdateExpression: 'SET attemptCount = :n, leaseUntil = :lease, updatedAt = :now',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':pending': 'pending',
      ':prev': wakeup.attempt - 1,
      ':n': wakeup.attempt,
      ':now': now,
      ':lease': leaseUntil,
    },
    ReturnValues: 'ALL_NEW',
  };
}

export function completeUpdate(
  tableName: string,
  delivery: Delivery,
  attempt: Attempt,
  conclusion: AttemptConclusion,
  now: string,
): UpdateCommandInput {
  const values: Record<string, unknown> = {
    ':n': attempt.number,
    ':heldLease': delivery.leaseUntil,
    ':status': conclusion.status,
    ':last': summaryToItem({
      number: attempt.number,
      outcome: attempt.outcome,
      statusCode: attempt.statusCode,
      startedAt: attempt.startedAt,
      error: attempt.error,
    }),
    ':now': now,
  };
  let update: string;
  if (conclusion.status === 'pending') {
    // Still pending: the delivery keeps its pendingShard, so it stays in the sweeper's index.
    update = 'SET #status = :status, lastAttempt = :last, updatedAt = :now, nextAttemptAt = :next, nextTrigger = :retry REMOVE leaseUntil';
    values[':next'] = conclusion.nextAttemptAt;
    values[':retry'] = 'retry';
  } else {
    update = 'SET #status = :status, lastAttempt = :last, updatedAt = :now, completedAt = :now REMOVE leaseUntil, nextAttemptAt, nextTrigger, pendingShard';
  }
  return {
    TableName: tableName,
    Key: { eventId: delivery.eventId, subscriptionId: delivery.subscriptionId },
    ConditionExpression: HOLDS_LEASE,
    UpdateExpression: update,
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: values,
  };
}

export function closeUpdate(
  tableName: string,
  delivery: Delivery,
  status: 'failed' | 'paused',
  reason: string,
  now: string,
): UpdateCommandInput {
  return {
    TableName: tableName,
    Key: { eventId: delivery.eventId, subscriptionId: delivery.subscriptionId },
    ConditionExpression: HOLDS_LEASE,
    // No HTTP attempt happened, so the claimed attempt number is given back.
    UpdateExpression:
      'SET #status = :status, statusReason = :reason, completedAt = :now, updatedAt = :now, attemptCount = :prev REMOVE leaseUntil, nextAttemptAt, nextTrigger, pendingShard',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':n': delivery.attemptCount,
      ':prev': delivery.attemptCount - 1,
      ':heldLease': delivery.leaseUntil,
      ':status': status,
      ':reason': reason,
      ':now': now,
    },
  };
}

export function restartUpdate(tableName: string, key: DeliveryKey, shard: string, now: string): UpdateCommandInput {
  return {
    TableName: tableName,
    Key: key,
    // A live lease means an attempt is in flight; its sender will conclude it, so no restart now.
    ConditionExpression: 'attribute_exists(eventId) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
    UpdateExpression:
      'SET #status = :pending, budgetStart = attemptCount, nextAttemptAt = :now, nextTrigger = :manual, pendingShard = :shard, updatedAt = :now REMOVE leaseUntil, completedAt, statusReason',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':pending': 'pending', ':manual': 'manual', ':shard': shard, ':now': now },
    ReturnValues: 'ALL_NEW',
  };
}
