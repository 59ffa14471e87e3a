// A deferral: the sender claimed a due attempt but must not make it now (the subscription's circuit
// is open, or it is at its limits). The attempt is handed back, not counted, and woken again later.
// The promise to receivers bounds the wait: a budget lasts at most its retry horizon (every wait of
// the retry policy, at its longest), after which a delivery still waiting is concluded `failed`.
import type { Clock, DeliveryRepository } from './ports';
import { noMetrics, type Metrics } from './metrics';
import { retryHorizonMs, type RetryPolicy } from './retry-policy';
import type { Delivery, DeliveryWakeup } from './types';
import { wakeAt, type Wakers, type WakeupPlan } from './wakeup-plan';
import type { Log } from './log';

export interface DeferDeps extends Wakers {
  deliveries: Pick<DeliveryRepository, 'deferClaimed' | 'closeWithoutAttempt'>;
  policy: RetryPolicy;
  clock: Clock;
  log: Log;
  metrics?: Metrics;
}

export type DeferOutcome =
  | { kind: 'deferred'; until: string; wakeup: WakeupPlan['kind'] }
  | { kind: 'closed'; status: 'failed'; reason: string }
  | { kind: 'skipped'; reason: string };

/** When the delivery's current budget ends: its start (a resend's, or the event's receipt) plus the retry horizon. */
export function horizonOf(delivery: Pick<Delivery, 'createdAt' | 'budgetStartedAt'>, policy: RetryPolicy): Date {
  const start = Date.parse(delivery.budgetStartedAt ?? delivery.createdAt);
  return new Date(start + retryHorizonMs(policy));
}

/**
 * Hands the claimed attempt of `delivery` back and wakes it at `until`, or at its horizon if that
 * comes first; a delivery whose horizon has passed is concluded `failed` instead.
 */
export async function deferDelivery(
  deps: DeferDeps,
  delivery: Delivery,
  until: Date,
  reason: string,
  /** Carried by the wake-up: the event, so that the deferred attempt needs no read of it; behind a circuit, since when it waits. */
  carried: Pick<DeliveryWakeup, 'event' | 'waitingSince'> = {},
): Promise<DeferOutcome> {
  const now = deps.clock.now();
  const horizon = horizonOf(delivery, deps.policy);
  const fields = { deliveryId: delivery.deliveryId, attempt: delivery.attemptCount, reason };
  if (now >= horizon) {
    const closing = `${reason}; retry horizon passed`;
    if (!(await deps.deliveries.closeWithoutAttempt(delivery, 'failed', closing, now.toISOString())))
      return { kind: 'skipped', reason: 'lease lost' };
    (deps.metrics ?? noMetrics).count('DeliveriesFailed');
    deps.log.warn('delivery failed without an attempt: its retry horizon passed while deferred', fields);
    return { kind: 'closed', status: 'failed', reason: closing };
  }
  const at = until < horizon ? until : horizon;
  if (!(await deps.deliveries.deferClaimed(delivery, at.toISOString(), reason, now.toISOString())))
    return { kind: 'skipped', reason: 'lease lost' };
  return wakeDeferred(deps, { deliveryId: delivery.deliveryId, attempt: delivery.attemptCount, ...carried }, reason, now, at);
}

/**
 * After the write that handed the attempt back: its wake-up at `at`. Arranged after the write, so
 * that if it is lost, the pending index has the new due time and the sweeper wakes the delivery.
 */
export async function wakeDeferred(
  deps: Pick<DeferDeps, 'wakeups' | 'scheduler' | 'log' | 'metrics'>,
  wakeup: DeliveryWakeup,
  reason: string,
  now: Date,
  at: Date,
): Promise<Extract<DeferOutcome, { kind: 'deferred' }>> {
  const plan = await wakeAt(deps, wakeup, now, at);
  (deps.metrics ?? noMetrics).count('DeliveriesDeferred');
  deps.log.info('attempt deferred', {
    deliveryId: wakeup.deliveryId,
    attempt: wakeup.attempt,
    reason,
    until: at.toISOString(),
    wakeup: plan.kind,
  });
  return { kind: 'deferred', until: at.toISOString(), wakeup: plan.kind };
}
