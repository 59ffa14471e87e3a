// Deferral: a claimed attempt handed back without being made, woken later, bounded by the budget's
// retry horizon. The repository and the wakers are recorded in memory; the clock is injected.
import { describe, expect, it } from 'vitest';
import { deferDelivery, horizonOf, type DeferDeps } from '../../lambdas/domain/deferral';
import type { RetryPolicy } from '../../lambdas/domain/retry-policy';
import { retryHorizonMs } from '../../lambdas/domain/retry-policy';
import type { Delivery, DeliveryWakeup } from '../../lambdas/domain/types';
import { RecordingLog, TestClock } from '../support/harness';

const policy: RetryPolicy = { baseDelayMs: 300_000, multiplier: 2, maxAttempts: 10, jitter: 0.1 };
const created = '2026-11-20T08:00:00.000Z';
const hours = (n: number) => n * 3_600_000;

function claimed(overrides: Partial<Delivery> = {}): Delivery {
  return {
    deliveryId: 'evt_1.sub_1',
    eventId: 'evt_1',
    subscriptionId: 'sub_1',
    eventType: 'donation.created',
    status: 'pending',
    createdAt: created,
    updatedAt: created,
    attemptCount: 3,
    budgetStart: 0,
    nextAttemptAt: created,
    leaseUntil: '2026-11-20T09:00:00.000Z',
    ...overrides,
  };
}

function world(nowMs: number, leaseHeld = true) {
  const clock = new TestClock();
  clock.advance(Date.parse(created) + nowMs - clock.now().getTime());
  const deferred: Array<{ until: string; reason: string }> = [];
  const closed: Array<{ status: string; reason: string }> = [];
  const queued: Array<{ wakeup: DeliveryWakeup; delayMs: number }> = [];
  const scheduled: Array<{ wakeup: DeliveryWakeup; at: Date }> = [];
  const deps: DeferDeps = {
    deliveries: {
      deferClaimed: async (_d, until, reason) => (deferred.push({ until, reason }), leaseHeld),
      closeWithoutAttempt: async (_d, status, reason) => (closed.push({ status, reason }), leaseHeld),
    },
    wakeups: { sendDelayed: async (wakeup, delayMs) => void queued.push({ wakeup, delayMs }) },
    scheduler: { scheduleAt: async (wakeup, at) => void scheduled.push({ wakeup, at }) },
    policy,
    clock,
    log: new RecordingLog(),
  };
  return { deps, clock, deferred, closed, queued, scheduled };
}

describe('retry horizon', () => {
  it('is every wait of a failing budget at its longest: about two days with the default policy', () => {
    expect(retryHorizonMs(policy)).toBe(Math.round(2555 * 60_000 * 1.1));
    expect(retryHorizonMs(policy) / hours(1)).toBeCloseTo(46.85, 1);
  });

  it('starts at the event for the first budget, at the resend for a later one', () => {
    expect(horizonOf(claimed(), policy).getTime()).toBe(Date.parse(created) + retryHorizonMs(policy));
    const resent = '2026-11-25T10:00:00.000Z';
    expect(horizonOf(claimed({ budgetStartedAt: resent }), policy).getTime()).toBe(Date.parse(resent) + retryHorizonMs(policy));
  });
});

describe('deferDelivery', () => {
  it('hands the same attempt back and wakes it at the given time (SQS delay up to 15 minutes)', async () => {
    const w = world(hours(1));
    const until = new Date(w.clock.now().getTime() + 60_000);
    expect(await deferDelivery(w.deps, claimed(), until, 'circuit open')).toEqual({
      kind: 'deferred',
      until: until.toISOString(),
      wakeup: 'queue',
    });
    expect(w.deferred).toEqual([{ until: until.toISOString(), reason: 'circuit open' }]);
    expect(w.queued).toEqual([{ wakeup: { deliveryId: 'evt_1.sub_1', attempt: 3 }, delayMs: 60_000 }]);
  });

  it('uses a schedule for a longer wait, and never wakes later than the horizon', async () => {
    const horizon = Date.parse(created) + retryHorizonMs(policy);
    const w = world(retryHorizonMs(policy) - hours(1));
    const outcome = await deferDelivery(w.deps, claimed(), new Date(horizon + hours(5)), 'circuit open');
    expect(outcome).toEqual({ kind: 'deferred', until: new Date(horizon).toISOString(), wakeup: 'schedule' });
    expect(w.scheduled).toEqual([{ wakeup: { deliveryId: 'evt_1.sub_1', attempt: 3 }, at: new Date(horizon) }]);
  });

  it('concludes the delivery failed once its horizon has passed, without an attempt', async () => {
    const w = world(retryHorizonMs(policy));
    const outcome = await deferDelivery(w.deps, claimed(), new Date(Date.parse(created) + hours(60)), 'circuit open');
    expect(outcome).toEqual({ kind: 'closed', status: 'failed', reason: 'circuit open; retry horizon passed' });
    expect(w.closed).toEqual([{ status: 'failed', reason: 'circuit open; retry horizon passed' }]);
    expect(w.deferred).toEqual([]);
    expect(w.queued).toEqual([]);
  });

  it('arranges no wake-up when the lease was lost meanwhile', async () => {
    const w = world(hours(1), false);
    expect(await deferDelivery(w.deps, claimed(), new Date(Date.parse(created) + hours(2)), 'circuit open')).toEqual({
      kind: 'skipped',
      reason: 'lease lost',
    });
    expect(w.queued).toEqual([]);
    expect(w.scheduled).toEqual([]);
  });
});
