// Claim or recover: take the lease on the delivery for this wake-up, or, when the claim fails, find
// out why and mend what an earlier, interrupted try left behind.
import { deliveryKeyOf } from '../delivery-id';
import { noMetrics } from '../metrics';
import { wakeAt } from '../wakeup-plan';
import type { DeliveryOrigin } from '../ports';
import type { Delivery, DeliveryWakeup, EventBody } from '../types';
import { stop, type Claimed, type SendDeps, type Stop, type WakeupContext } from './steps';

/** How long after the attempt's own time limit a claim stays exclusive. */
export const LEASE_MARGIN_MS = 30_000;

type ClaimDeps = Pick<SendDeps, 'deliveries' | 'clock' | 'log' | 'attemptTimeoutMs' | 'wakeups' | 'scheduler' | 'metrics'>;

export async function claimOrRecover(deps: ClaimDeps, wakeup: DeliveryWakeup, context: WakeupContext): Promise<Claimed | Stop> {
  const key = deliveryKeyOf(wakeup.deliveryId);
  if (!key) {
    deps.log.warn('wake-up for an unknown delivery ignored', { deliveryId: wakeup.deliveryId, attempt: wakeup.attempt });
    return stop({ kind: 'skipped', reason: 'unknown delivery' });
  }
  const known = await originOf(deps, wakeup, key);
  const claimedAt = deps.clock.now();
  const lease = new Date(claimedAt.getTime() + deps.attemptTimeoutMs + LEASE_MARGIN_MS);
  const delivery = await deps.deliveries.claimAttempt(wakeup, claimedAt.toISOString(), lease.toISOString(), known.origin);
  if (!delivery) return stop(await recoverUnclaimed(deps, wakeup, context, claimedAt));
  const fields = {
    deliveryId: delivery.deliveryId,
    eventId: delivery.eventId,
    subscriptionId: delivery.subscriptionId,
    attempt: wakeup.attempt,
  };
  // The body came with the wake-up, or is read now (it did not fit, or the waker did not have it).
  const event = known.event ?? (await deps.deliveries.getEventBody(key.eventId));
  return { wakeup, delivery, event, fields };
}

interface Known {
  /** What the first claim creates the delivery item from; attempt 1 only. */
  origin?: DeliveryOrigin;
  event?: EventBody;
}

/**
 * What the wake-up tells of the event. A first wake-up from fan-out carries the event's type and
 * receipt (fan-out only wakes the deliveries of the event's plan): the claim creates the delivery
 * from them without a read. A first wake-up without them (sent before they were carried) has the
 * event's plan read, as only a planned delivery may be created.
 */
async function originOf(deps: ClaimDeps, wakeup: DeliveryWakeup, key: { eventId: string; subscriptionId: string }): Promise<Known> {
  const carried = wakeup.event;
  if (carried) {
    const event =
      carried.body === undefined
        ? undefined
        : { eventId: key.eventId, type: carried.type, receivedAt: carried.receivedAt, body: carried.body };
    return { origin: wakeup.attempt === 1 ? { eventType: carried.type, createdAt: carried.receivedAt } : undefined, event };
  }
  if (wakeup.attempt !== 1) return {};
  const event = await deps.deliveries.getEvent(key.eventId);
  if (!event?.subscriptionIds.includes(key.subscriptionId)) return { event };
  return { origin: { eventType: event.type, createdAt: event.receivedAt }, event };
}

/**
 * The claim failed: a duplicate message, a wake-up that came early, or the retry of a message whose
 * earlier processing stopped after the attempt was recorded but before its successor was arranged.
 */
async function recoverUnclaimed(deps: ClaimDeps, wakeup: DeliveryWakeup, context: WakeupContext, now: Date): Promise<Stop['stop']> {
  const delivery = await deps.deliveries.get(wakeup.deliveryId);
  const fields = { deliveryId: wakeup.deliveryId, attempt: wakeup.attempt };
  if (!delivery) {
    deps.log.warn('wake-up for an unknown delivery ignored', fields);
    return { kind: 'skipped', reason: 'unknown delivery' };
  }
  if (delivery.status !== 'pending' || delivery.nextAttemptAt === undefined) {
    return { kind: 'skipped', reason: `delivery ${delivery.status}` };
  }
  const nextAt = new Date(delivery.nextAttemptAt);
  if (isEarly(delivery, wakeup, now)) {
    await wakeAt(deps, wakeup, now, nextAt);
    deps.log.info('wake-up came early; re-arranged for the due time', { ...fields, nextAttemptAt: delivery.nextAttemptAt });
    return { kind: 'skipped', reason: 'early' };
  }
  if (context.redelivered && lostItsSuccessor(delivery, wakeup)) {
    const next = { deliveryId: delivery.deliveryId, attempt: wakeup.attempt + 1, event: wakeup.event };
    await wakeAt(deps, next, now, nextAt);
    deps.log.info('attempt already recorded; its retry wake-up re-arranged', { ...fields, nextAttemptAt: delivery.nextAttemptAt });
    return { kind: 'skipped', reason: 'retry re-arranged' };
  }
  deps.log.info('duplicate wake-up ignored', fields);
  (deps.metrics ?? noMetrics).count('WakeupsDuplicate');
  return { kind: 'skipped', reason: 'duplicate' };
}

/** The wake-up is for the delivery's next attempt, which is not due yet. */
function isEarly(delivery: Delivery, wakeup: DeliveryWakeup, now: Date): boolean {
  return delivery.attemptCount === wakeup.attempt - 1 && delivery.nextAttemptAt !== undefined && new Date(delivery.nextAttemptAt) > now;
}

/** The wake-up's attempt was recorded (lease released) and a retry is pending, whose wake-up may be lost. */
function lostItsSuccessor(delivery: Delivery, wakeup: DeliveryWakeup): boolean {
  return delivery.attemptCount === wakeup.attempt && delivery.leaseUntil === undefined;
}
