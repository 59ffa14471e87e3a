// The conditional updates that move a delivery through its states. Each is one UpdateItem, so the
// condition and the change are atomic; attempt numbers and leases are what make them exclusive. The
// conditions come from the domain's lifecycle (delivery-lifecycle.ts), beside the predicates they enforce.
import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import {
  claimCondition,
  closeCondition,
  completeCondition,
  deferCondition,
  postponeCondition,
  releaseCondition,
  restartCondition,
  watchCondition,
  type HeldLease,
  type StorageCondition,
} from '../../domain/delivery-lifecycle';
import type { AttemptConclusion, DeliveryOrigin, Postponement } from '../../domain/ports';
import type { Attempt, Delivery, DeliveryWakeup } from '../../domain/types';
import { TTL_ATTRIBUTE } from '../../storage/tables';
import { parseDeliveryId } from '../../domain/delivery-id';
import { createdKey, inlineAttemptToItem, pendingShard, subscriptionShard, summaryToItem, type DeliveryKey } from './delivery-items';

/** The condition's expression, names and values, merged with those of the update itself. */
function conditioned(condition: StorageCondition, names: Record<string, string>, values: Record<string, unknown>) {
  const allNames = { ...condition.names, ...names };
  return {
    ConditionExpression: condition.expression,
    // DynamoDB refuses an empty map of names: an update that needs none sends none.
    ...(Object.keys(allNames).length > 0 ? { ExpressionAttributeNames: allNames } : {}),
    ExpressionAttributeValues: { ...condition.values, ...values },
  };
}

/** The lease a completion or close must still hold; only a claimed delivery (with a lease) gets here. */
function heldLease(delivery: Delivery, attempt: number): HeldLease {
  if (delivery.leaseUntil === undefined) throw new Error(`delivery ${delivery.deliveryId} was never claimed`);
  return { attempt, lease: delivery.leaseUntil };
}

/** What creates a delivery item in an update: each only if absent, so an existing item keeps its own. */
export interface Creation {
  deliveryId: string;
  origin: DeliveryOrigin;
  expiresAt: number;
}

/** The id's two halves and the `bySubscription` index's keys are written once, by whichever write creates the item. */
function creationSets(creation: Creation, values: Record<string, unknown>): string {
  const { eventId, subscriptionId } = parseDeliveryId(creation.deliveryId);
  values[':event'] = eventId;
  values[':subscription'] = subscriptionId;
  values[':subShard'] = subscriptionShard(creation.deliveryId, subscriptionId);
  values[':createdKey'] = createdKey(creation.origin.createdAt, creation.deliveryId);
  values[':type'] = creation.origin.eventType;
  values[':created'] = creation.origin.createdAt;
  values[':expires'] = creation.expiresAt;
  return (
    'eventId = if_not_exists(eventId, :event), subscriptionId = if_not_exists(subscriptionId, :subscription), ' +
    'subscriptionShard = if_not_exists(subscriptionShard, :subShard), createdKey = if_not_exists(createdKey, :createdKey), ' +
    'eventType = if_not_exists(eventType, :type), ' +
    `createdAt = if_not_exists(createdAt, :created), ${TTL_ATTRIBUTE} = if_not_exists(${TTL_ATTRIBUTE}, :expires)`
  );
}

export function claimUpdate(
  tableName: string,
  key: DeliveryKey,
  wakeup: DeliveryWakeup,
  now: string,
  leaseUntil: string,
  creation?: Creation,
): UpdateCommandInput {
  const values: Record<string, unknown> = { ':n': wakeup.attempt, ':now': now, ':lease': leaseUntil };
  let update = 'SET attemptCount = :n, leaseUntil = :lease, updatedAt = :now';
  if (creation) {
    // The first claim of a planned delivery creates its item: it is stored from its first attempt on.
    values[':pending'] = 'pending';
    values[':initial'] = 'initial';
    values[':zero'] = 0;
    update +=
      ', #status = :pending, budgetStart = if_not_exists(budgetStart, :zero), nextAttemptAt = if_not_exists(nextAttemptAt, :created), ' +
      `nextTrigger = if_not_exists(nextTrigger, :initial), ${creationSets(creation, values)}`;
  }
  return {
    TableName: tableName,
    Key: key,
    ...conditioned(claimCondition({ attempt: wakeup.attempt, now, creates: creation !== undefined }), {}, values),
    UpdateExpression: update,
    ReturnValues: 'ALL_NEW',
  };
}

/** A deferral of an unclaimed attempt, leaving the item as a claim and `deferUpdate` would. */
export function postponeUpdate(
  tableName: string,
  key: DeliveryKey,
  wakeup: DeliveryWakeup,
  postponement: Postponement,
  creation?: Creation,
): UpdateCommandInput {
  const { until, reason, now, budgetStartedAfter } = postponement;
  const values: Record<string, unknown> = { ':until': until, ':shard': pendingShard(wakeup.deliveryId), ':reason': reason };
  let update =
    'SET attemptCount = :prev, nextAttemptAt = :until, pendingShard = :shard, updatedAt = :now, ' +
    'deferredSince = if_not_exists(deferredSince, :now), deferReason = :reason';
  if (creation) {
    values[':initial'] = 'initial';
    values[':zero'] = 0;
    update +=
      ', #status = :pending, budgetStart = if_not_exists(budgetStart, :zero), nextTrigger = if_not_exists(nextTrigger, :initial), ' +
      creationSets(creation, values);
  }
  const condition = postponeCondition({ attempt: wakeup.attempt, now, creates: creation !== undefined, budgetStartedAfter });
  return {
    TableName: tableName,
    Key: key,
    ...conditioned(condition, {}, values),
    UpdateExpression: `${update} REMOVE leaseUntil`,
    // What it was deferred for before: a delivery newly behind the circuit is counted as waiting.
    ReturnValues: 'ALL_OLD',
  };
}

export function completeUpdate(
  tableName: string,
  delivery: Delivery,
  attempt: Attempt,
  conclusion: AttemptConclusion,
  now: string,
  /** The whole attempt is kept on the item (it is not in the attempt log). */
  inline: boolean,
): UpdateCommandInput {
  const values: Record<string, unknown> = {
    ':status': conclusion.status,
    ':last': inline ? inlineAttemptToItem(attempt) : summaryToItem(attempt),
    ':now': now,
  };
  let update: string;
  if (conclusion.status === 'pending') {
    // Waiting for a retry: under the sweeper's watch (the pending index) until it settles.
    update =
      'SET #status = :status, lastAttempt = :last, updatedAt = :now, nextAttemptAt = :next, nextTrigger = :retry, pendingShard = :shard ' +
      'REMOVE leaseUntil, deferredSince, deferReason';
    values[':next'] = conclusion.nextAttemptAt;
    values[':retry'] = 'retry';
    values[':shard'] = pendingShard(delivery.deliveryId);
  } else {
    update =
      'SET #status = :status, lastAttempt = :last, updatedAt = :now, completedAt = :now ' +
      'REMOVE leaseUntil, nextAttemptAt, nextTrigger, pendingShard, deferredSince, deferReason';
  }
  return {
    TableName: tableName,
    Key: { deliveryId: delivery.deliveryId },
    ...conditioned(completeCondition(heldLease(delivery, attempt.number)), { '#status': 'status' }, values),
    UpdateExpression: update,
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
    Key: { deliveryId: delivery.deliveryId },
    ...conditioned(
      closeCondition(heldLease(delivery, delivery.attemptCount)),
      { '#status': 'status' },
      {
        ':prev': delivery.attemptCount - 1,
        ':status': status,
        ':reason': reason,
        ':now': now,
      },
    ),
    // No HTTP attempt happened, so the claimed attempt number is given back.
    UpdateExpression:
      'SET #status = :status, statusReason = :reason, completedAt = :now, updatedAt = :now, attemptCount = :prev ' +
      'REMOVE leaseUntil, nextAttemptAt, nextTrigger, pendingShard, deferredSince, deferReason',
  };
}

/**
 * Hands a claimed attempt back without making it: the attempt number is given back, the lease
 * released, and the attempt is due again at `until`, under the sweeper's watch (the pending index)
 * so that a lost wake-up is found. `deferredSince` keeps the start of the wait across deferrals.
 */
export function deferUpdate(tableName: string, delivery: Delivery, until: string, reason: string, now: string): UpdateCommandInput {
  return {
    TableName: tableName,
    Key: { deliveryId: delivery.deliveryId },
    ...conditioned(
      deferCondition(heldLease(delivery, delivery.attemptCount)),
      {},
      {
        ':prev': delivery.attemptCount - 1,
        ':until': until,
        ':shard': pendingShard(delivery.deliveryId),
        ':reason': reason,
        ':now': now,
      },
    ),
    UpdateExpression:
      'SET attemptCount = :prev, nextAttemptAt = :until, pendingShard = :shard, updatedAt = :now, ' +
      'deferredSince = if_not_exists(deferredSince, :now), deferReason = :reason REMOVE leaseUntil',
  };
}

/**
 * `seenUpdatedAt`: the item as the caller read it (every claim and completion changes `updatedAt`),
 * so nothing concluded in between is overwritten; undefined when the caller read no item.
 */
export function restartUpdate(
  tableName: string,
  key: DeliveryKey,
  creation: Creation,
  now: string,
  seenUpdatedAt: string | undefined,
): UpdateCommandInput {
  const values: Record<string, unknown> = {
    ':pending': 'pending',
    ':manual': 'manual',
    ':shard': pendingShard(creation.deliveryId),
    ':now': now,
    ':zero': 0,
  };
  const update =
    'SET #status = :pending, attemptCount = if_not_exists(attemptCount, :zero), budgetStart = if_not_exists(attemptCount, :zero), ' +
    'nextAttemptAt = :now, nextTrigger = :manual, pendingShard = :shard, updatedAt = :now, budgetStartedAt = :now, ' +
    `${creationSets(creation, values)} REMOVE leaseUntil, completedAt, statusReason, deferredSince, deferReason`;
  return {
    TableName: tableName,
    Key: key,
    // A live lease means an attempt is in flight; its sender will conclude it, so no restart now.
    // A planned delivery (no item yet) is created by the restart.
    ...conditioned(restartCondition({ now, seenUpdatedAt }), { '#status': 'status' }, values),
    UpdateExpression: update,
    ReturnValues: 'ALL_NEW',
  };
}

/**
 * Puts a delivery that is not settled and not yet watched into the pending index, creating it when
 * it is only planned. Due when its lease runs out (first attempt in flight or its sender died),
 * else at the event's receipt, so the sweeper's overdue check wakes it after the grace period.
 */
export function watchUpdate(tableName: string, key: DeliveryKey, creation: Creation): UpdateCommandInput {
  const values: Record<string, unknown> = {
    ':initial': 'initial',
    ':zero': 0,
    ':shard': pendingShard(creation.deliveryId),
  };
  const update =
    'SET #status = :pending, pendingShard = :shard, nextAttemptAt = if_not_exists(leaseUntil, :created), ' +
    'attemptCount = if_not_exists(attemptCount, :zero), budgetStart = if_not_exists(budgetStart, :zero), ' +
    'nextTrigger = if_not_exists(nextTrigger, :initial), updatedAt = if_not_exists(updatedAt, :created), ' +
    creationSets(creation, values);
  return { TableName: tableName, Key: key, ...conditioned(watchCondition(), { '#status': 'status' }, values), UpdateExpression: update };
}

/** A deferred delivery due sooner, at `at`: its circuit closed (delivery/release.ts). */
export function releaseUpdate(tableName: string, deliveryId: string, at: string, now: string): UpdateCommandInput {
  return {
    TableName: tableName,
    Key: { deliveryId },
    ...conditioned(releaseCondition({ at, now }), {}, { ':now': now }),
    UpdateExpression: 'SET nextAttemptAt = :at, updatedAt = :now',
    // Its attempt count names the wake-up.
    ReturnValues: 'ALL_NEW',
  };
}
