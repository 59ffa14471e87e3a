// The conditional state changes of a delivery: claim, complete, close, restart, and the attempt log.
import { describe, expect, it } from 'vitest';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDeliveryRepository } from '../../lambdas/adapters/dynamo/delivery-repository';
import { deliveryIdOf, pendingShardOf } from '../../lambdas/domain/delivery-id';
import type { Attempt, Delivery } from '../../lambdas/domain/types';
import { PENDING_SHARDS } from '../../lambdas/storage/tables';
import type { LocalDynamo } from '../support/dynalite';
import { at, epochSecondsAfterRetention, newDelivery, newEventId, newSubscriptionId, rawItem, useStorage } from './fixtures';

let dynamo: LocalDynamo;
let doc: DynamoDBDocumentClient;
let repo: DynamoDeliveryRepository;
useStorage('file', (storage) => ({ dynamo, doc, deliveries: repo } = storage));

async function stored(overrides: Partial<Delivery> = {}): Promise<Delivery> {
  const delivery = newDelivery(newEventId(), newSubscriptionId(), overrides);
  await repo.storeDeliveries([delivery]);
  return delivery;
}

function item(delivery: Delivery) {
  return rawItem(doc, dynamo.tableNames.deliveries, { deliveryId: delivery.deliveryId });
}

function attemptOf(delivery: Delivery, number: number, overrides: Partial<Attempt> = {}): Attempt {
  return {
    deliveryId: delivery.deliveryId,
    number,
    trigger: number === 1 ? 'initial' : 'retry',
    startedAt: at(number),
    durationMs: 120,
    outcome: 'http_status',
    statusCode: 500,
    responseBody: 'Internal Server Error',
    ...overrides,
  };
}

/** Claims `attempt` at `now` with a lease of one minute, expecting success. */
async function claim(delivery: Delivery, attempt: number, now: number): Promise<Delivery> {
  const claimed = await repo.claimAttempt({ deliveryId: delivery.deliveryId, attempt }, at(now), at(now + 1));
  expect(claimed).toBeDefined();
  return claimed as Delivery;
}

describe('claimAttempt', () => {
  it('claims a due attempt: attempt count, lease and update time are set', async () => {
    const delivery = await stored();
    const claimed = await repo.claimAttempt({ deliveryId: delivery.deliveryId, attempt: 1 }, at(1), at(2));
    expect(claimed).toEqual({ ...delivery, attemptCount: 1, leaseUntil: at(2), updatedAt: at(1) });
    expect(await repo.get(delivery.deliveryId)).toEqual(claimed);
  });

  it('refuses the same attempt a second time while the lease is live', async () => {
    const delivery = await stored();
    const first = await claim(delivery, 1, 1);
    expect(await repo.claimAttempt({ deliveryId: delivery.deliveryId, attempt: 1 }, at(1.5), at(2.5))).toBeUndefined();
    expect(await repo.get(delivery.deliveryId)).toEqual(first);
  });

  it('lets another sender take over an attempt whose lease has expired', async () => {
    const delivery = await stored();
    await claim(delivery, 1, 1);
    const takeover = await repo.claimAttempt({ deliveryId: delivery.deliveryId, attempt: 1 }, at(3), at(4));
    expect(takeover).toMatchObject({ attemptCount: 1, leaseUntil: at(4), updatedAt: at(3) });
  });

  it('refuses an attempt that is not due yet', async () => {
    const delivery = await stored({ nextAttemptAt: at(10) });
    expect(await repo.claimAttempt({ deliveryId: delivery.deliveryId, attempt: 1 }, at(5), at(6))).toBeUndefined();
    expect(await repo.get(delivery.deliveryId)).toEqual(delivery);
    expect(await repo.claimAttempt({ deliveryId: delivery.deliveryId, attempt: 1 }, at(10), at(11))).toBeDefined();
  });

  it('refuses an attempt number that does not follow the last one', async () => {
    const delivery = await stored({ attemptCount: 2, budgetStart: 0 });
    for (const attempt of [1, 2, 4]) {
      expect(await repo.claimAttempt({ deliveryId: delivery.deliveryId, attempt }, at(1), at(2))).toBeUndefined();
    }
    expect(await repo.get(delivery.deliveryId)).toEqual(delivery);
  });

  it('refuses a delivery that is no longer pending', async () => {
    const delivery = await stored({ status: 'failed', nextAttemptAt: undefined, nextTrigger: undefined });
    expect(await repo.claimAttempt({ deliveryId: delivery.deliveryId, attempt: 1 }, at(1), at(2))).toBeUndefined();
  });

  it('answers undefined for an unknown or malformed delivery id and creates nothing', async () => {
    const unknownId = deliveryIdOf(newEventId(), newSubscriptionId());
    expect(await repo.claimAttempt({ deliveryId: unknownId, attempt: 1 }, at(1), at(2))).toBeUndefined();
    expect(await repo.get(unknownId)).toBeUndefined();
    expect(await repo.claimAttempt({ deliveryId: 'garbage', attempt: 1 }, at(1), at(2))).toBeUndefined();
  });
});

describe('completeAttempt', () => {
  it('records a failed attempt and schedules the retry, which becomes claimable when due', async () => {
    const delivery = await stored();
    const claimed = await claim(delivery, 1, 1);
    const attempt = attemptOf(delivery, 1, { startedAt: at(1), error: 'HTTP 500' });
    expect(await repo.completeAttempt(claimed, attempt, { status: 'pending', nextAttemptAt: at(6) }, at(1.2))).toBe(true);

    const after = await repo.get(delivery.deliveryId);
    expect(after).toEqual({
      ...delivery,
      attemptCount: 1,
      updatedAt: at(1.2),
      nextAttemptAt: at(6),
      nextTrigger: 'retry',
      lastAttempt: { number: 1, outcome: 'http_status', statusCode: 500, startedAt: at(1), error: 'HTTP 500' },
    });
    expect((await item(delivery))?.pendingShard).toBe(pendingShardOf(delivery.deliveryId, PENDING_SHARDS));
    expect(await repo.listAttempts(delivery.deliveryId)).toEqual([attempt]);

    expect(await repo.claimAttempt({ deliveryId: delivery.deliveryId, attempt: 2 }, at(5), at(6))).toBeUndefined();
    expect(await repo.claimAttempt({ deliveryId: delivery.deliveryId, attempt: 1 }, at(7), at(8))).toBeUndefined();
    expect(await repo.claimAttempt({ deliveryId: delivery.deliveryId, attempt: 2 }, at(6), at(7))).toMatchObject({
      attemptCount: 2,
      leaseUntil: at(7),
    });
  });

  it('ends a delivered delivery: completion time set, retry fields and pending shard gone', async () => {
    const delivery = await stored();
    const claimed = await claim(delivery, 1, 1);
    const attempt = attemptOf(delivery, 1, { outcome: 'delivered', statusCode: 204, responseBody: undefined });
    expect(await repo.completeAttempt(claimed, attempt, { status: 'delivered' }, at(1.1))).toBe(true);

    expect(await repo.get(delivery.deliveryId)).toEqual({
      deliveryId: delivery.deliveryId,
      eventId: delivery.eventId,
      subscriptionId: delivery.subscriptionId,
      eventType: delivery.eventType,
      status: 'delivered',
      createdAt: delivery.createdAt,
      updatedAt: at(1.1),
      attemptCount: 1,
      budgetStart: 0,
      lastAttempt: { number: 1, outcome: 'delivered', statusCode: 204, startedAt: at(1) },
      completedAt: at(1.1),
    });
    const raw = await item(delivery);
    expect(raw).not.toHaveProperty('pendingShard');
    expect(raw).not.toHaveProperty('leaseUntil');
  });

  it('ends a delivery as failed after its last attempt', async () => {
    const delivery = await stored({ attemptCount: 9, nextTrigger: 'retry' });
    const claimed = await claim(delivery, 10, 1);
    const attempt = attemptOf(delivery, 10, { outcome: 'timeout', statusCode: undefined, error: 'timed out after 5000 ms' });
    expect(await repo.completeAttempt(claimed, attempt, { status: 'failed' }, at(2))).toBe(true);
    expect(await repo.get(delivery.deliveryId)).toMatchObject({ status: 'failed', attemptCount: 10, completedAt: at(2) });
    expect(await repo.get(delivery.deliveryId)).not.toHaveProperty('nextAttemptAt');
  });

  it('returns false and leaves the delivery alone when the lease was taken over', async () => {
    const delivery = await stored();
    const slowSender = await claim(delivery, 1, 1);
    const takeover = await claim(delivery, 1, 3);
    expect(await repo.completeAttempt(slowSender, attemptOf(delivery, 1), { status: 'delivered' }, at(3.5))).toBe(false);
    expect(await repo.get(delivery.deliveryId)).toEqual(takeover);
    expect(await repo.completeAttempt(takeover, attemptOf(delivery, 1), { status: 'delivered' }, at(3.6))).toBe(true);
  });

  it('returns false for a delivery that was never claimed', async () => {
    const delivery = await stored();
    expect(await repo.completeAttempt(delivery, attemptOf(delivery, 1), { status: 'delivered' }, at(1))).toBe(false);
    expect(await repo.get(delivery.deliveryId)).toEqual(delivery);
    expect(await repo.listAttempts(delivery.deliveryId)).toEqual([]);
  });

  it('keeps the attempt log in numeric order with an expiry on each record', async () => {
    let delivery = await stored({ attemptCount: 8, nextTrigger: 'retry' });
    const attempts: Attempt[] = [];
    for (const number of [9, 10, 11]) {
      const claimed = await claim(delivery, number, number * 10);
      const attempt = attemptOf(delivery, number, { startedAt: at(number * 10) });
      attempts.push(attempt);
      const next = { status: 'pending' as const, nextAttemptAt: at(number * 10 + 5) };
      expect(await repo.completeAttempt(claimed, attempt, next, at(number * 10 + 0.5))).toBe(true);
      delivery = (await repo.get(delivery.deliveryId)) as Delivery;
    }
    expect(await repo.listAttempts(delivery.deliveryId)).toEqual(attempts);
    const record = await rawItem(doc, dynamo.tableNames.attempts, { deliveryId: delivery.deliveryId, attempt: 10 });
    expect(record?.expiresAt).toBe(epochSecondsAfterRetention(at(100)));
    expect(await repo.listAttempts(deliveryIdOf(newEventId(), newSubscriptionId()))).toEqual([]);
  });
});

describe('closeWithoutAttempt', () => {
  it('ends the claimed delivery with a reason and gives the attempt number back', async () => {
    const delivery = await stored({ attemptCount: 2, nextTrigger: 'retry' });
    const claimed = await claim(delivery, 3, 1);
    expect(await repo.closeWithoutAttempt(claimed, 'paused', 'subscription disabled', at(1.1))).toBe(true);

    const after = await repo.get(delivery.deliveryId);
    expect(after).toEqual({
      ...delivery,
      nextAttemptAt: undefined,
      nextTrigger: undefined,
      status: 'paused',
      statusReason: 'subscription disabled',
      attemptCount: 2,
      updatedAt: at(1.1),
      completedAt: at(1.1),
    });
    const raw = await item(delivery);
    expect(raw).not.toHaveProperty('pendingShard');
    expect(raw).not.toHaveProperty('leaseUntil');
    expect(await repo.listAttempts(delivery.deliveryId)).toEqual([]);
  });

  it('returns false when the lease is no longer held', async () => {
    const delivery = await stored();
    const stale = await claim(delivery, 1, 1);
    const takeover = await claim(delivery, 1, 3);
    expect(await repo.closeWithoutAttempt(stale, 'failed', 'subscription deleted', at(3.5))).toBe(false);
    expect(await repo.get(delivery.deliveryId)).toEqual(takeover);
  });
});

describe('deferClaimed', () => {
  it('hands the claimed attempt back: same number due again later, watched, no lease, deferred since the first deferral', async () => {
    const delivery = await stored({ attemptCount: 2, budgetStart: 0, nextTrigger: 'retry' });
    const claimed = await claim(delivery, 3, 1);
    expect(await repo.deferClaimed(claimed, at(30), 'circuit open', at(1.1))).toBe(true);
    const deferred = await repo.get(delivery.deliveryId);
    expect(deferred).toEqual({
      ...delivery,
      nextAttemptAt: at(30),
      updatedAt: at(1.1),
      deferredSince: at(1.1),
      deferReason: 'circuit open',
    });
    expect((await item(delivery))?.pendingShard).toBe(pendingShardOf(delivery.deliveryId, PENDING_SHARDS));
    expect(await repo.claimAttempt({ deliveryId: delivery.deliveryId, attempt: 3 }, at(29), at(29.5))).toBeUndefined();

    const again = await claim(delivery, 3, 30);
    expect(await repo.deferClaimed(again, at(60), 'circuit open', at(30.1))).toBe(true);
    expect(await repo.get(delivery.deliveryId)).toMatchObject({ deferredSince: at(1.1), nextAttemptAt: at(60), attemptCount: 2 });
  });

  it('an attempt made after a deferral ends the wait', async () => {
    const delivery = await stored();
    await repo.deferClaimed(await claim(delivery, 1, 1), at(5), 'at its limit', at(1.1));
    const claimed = await claim(delivery, 1, 5);
    const attempt = {
      deliveryId: delivery.deliveryId,
      number: 1,
      trigger: 'initial' as const,
      startedAt: at(5),
      durationMs: 5,
      outcome: 'timeout' as const,
    };
    expect(await repo.completeAttempt(claimed, attempt, { status: 'pending', nextAttemptAt: at(10) }, at(5.1))).toBe(true);
    const raw = await item(delivery);
    expect(raw).not.toHaveProperty('deferredSince');
    expect(raw).not.toHaveProperty('deferReason');
  });

  it('returns false when the lease is no longer held', async () => {
    const delivery = await stored();
    const stale = await claim(delivery, 1, 1);
    const takeover = await claim(delivery, 1, 3);
    expect(await repo.deferClaimed(stale, at(10), 'circuit open', at(3.5))).toBe(false);
    expect(await repo.get(delivery.deliveryId)).toEqual(takeover);
  });
});

describe('restartBudget', () => {
  it('turns a failed delivery into a pending one with a fresh budget, due now', async () => {
    const delivery = await stored({
      status: 'failed',
      attemptCount: 10,
      nextAttemptAt: undefined,
      nextTrigger: undefined,
      completedAt: at(50),
      statusReason: 'gave up',
      lastAttempt: { number: 10, outcome: 'network', startedAt: at(49), error: 'ECONNREFUSED' },
    });
    const restarted = await repo.restartBudget(delivery, at(100));
    expect(restarted).toEqual({
      ...delivery,
      status: 'pending',
      budgetStart: 10,
      nextAttemptAt: at(100),
      nextTrigger: 'manual',
      updatedAt: at(100),
      budgetStartedAt: at(100),
      completedAt: undefined,
      statusReason: undefined,
    });
    expect(await repo.get(delivery.deliveryId)).toEqual(restarted);
    expect((await item(delivery))?.pendingShard).toBe(pendingShardOf(delivery.deliveryId, PENDING_SHARDS));
    expect(await repo.claimAttempt({ deliveryId: delivery.deliveryId, attempt: 11 }, at(100), at(101))).toBeDefined();
  });

  it('is refused while an attempt holds a live lease, allowed once it expired', async () => {
    const delivery = await stored();
    const claimed = await claim(delivery, 1, 1);
    expect(await repo.restartBudget(delivery, at(1.5))).toBeUndefined();
    expect(await repo.get(delivery.deliveryId)).toEqual(claimed);

    const restarted = await repo.restartBudget(delivery, at(3));
    expect(restarted).toMatchObject({ status: 'pending', budgetStart: 1, attemptCount: 1, nextTrigger: 'manual' });
    expect(restarted).not.toHaveProperty('leaseUntil');
  });

  it('answers undefined for a malformed delivery id', async () => {
    const delivery = newDelivery(newEventId(), newSubscriptionId());
    expect(await repo.restartBudget({ ...delivery, deliveryId: 'garbage' }, at(1))).toBeUndefined();
  });
});
