// How to wake the sender at a given time. SQS can hold a message back for at most 15 minutes;
// anything later becomes a one-time EventBridge Scheduler schedule.
import type { WakeupQueue, WakeupScheduler } from './ports';
import type { Delivery, DeliveryWakeup, EventBody, WakeupEvent } from './types';

/** The longest delay SQS gives a message (900 s): the stack, the SQS adapter and the local queue use this one. */
export const MAX_QUEUE_DELAY_MS = 900_000;

export type WakeupPlan = { kind: 'queue'; delayMs: number } | { kind: 'schedule'; at: Date };

export function planWakeup(now: Date, at: Date): WakeupPlan {
  const delayMs = Math.max(0, at.getTime() - now.getTime());
  // SQS rounds a delay up to whole seconds, so compare the rounded value with its 900 s limit.
  if (Math.ceil(delayMs / 1000) * 1000 <= MAX_QUEUE_DELAY_MS) return { kind: 'queue', delayMs };
  return { kind: 'schedule', at };
}

/**
 * The wake-up that resumes a pending delivery: its next attempt, or the same attempt again when a
 * sender claimed it and its lease ran out (the sender died before recording the result).
 */
export function resumingWakeup(delivery: Pick<Delivery, 'deliveryId' | 'attemptCount' | 'leaseUntil'>): DeliveryWakeup {
  return { deliveryId: delivery.deliveryId, attempt: delivery.leaseUntil ? delivery.attemptCount : delivery.attemptCount + 1 };
}

/** Pending, due by `now`, and not held by a live lease. */
export function isDueForWakeup(delivery: Delivery, now: Date): boolean {
  const at = now.toISOString();
  if (delivery.status !== 'pending' || delivery.nextAttemptAt === undefined || delivery.nextAttemptAt > at) return false;
  return !(delivery.leaseUntil !== undefined && delivery.leaseUntil > at);
}

export interface Wakers {
  wakeups: Pick<WakeupQueue, 'sendDelayed'>;
  scheduler: WakeupScheduler;
}

/** Arranges for `wakeup` to reach the sender at `at`: a delayed message, or a one-time schedule. */
export async function wakeAt(wakers: Wakers, wakeup: DeliveryWakeup, now: Date, at: Date): Promise<WakeupPlan> {
  const plan = planWakeup(now, at);
  if (plan.kind === 'queue') await wakers.wakeups.sendDelayed(wakeup, plan.delayMs);
  else await wakers.scheduler.scheduleAt(wakeup, plan.at);
  return plan;
}

/** What a later wake-up of an attempt that had `event` carries: all of it, so that it needs no read either. */
export function carriedEvent(event: EventBody): WakeupEvent {
  return { type: event.type, receivedAt: event.receivedAt, body: event.body };
}
