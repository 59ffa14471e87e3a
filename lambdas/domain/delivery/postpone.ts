// Postpone before the claim: a wake-up whose delivery cannot be attempted now, as this sender already
// knows without asking anyone (the subscription's circuit is open and its probe not due, all its
// concurrency slots are busy, or its rate line has no send time free soon), is handed back unclaimed
// in one conditional write, where a claim and a deferral take two, and woken again later. While a
// receiver is down or at its limit, every new delivery of it comes this way, tens a second on a busy
// subscription. A wake-up the write does not allow (a duplicate, a delivery near its retry horizon)
// goes on to the claim path, which decides.
import { circuitOf, circuitWait, gateOf, type Circuit } from '../circuit';
import { wakeDeferred } from '../deferral';
import { deliveryKeyOf } from '../delivery-id';
import type { DeliveryOrigin } from '../ports';
import { retryHorizonMs } from '../retry-policy';
import type { DeliveryWakeup, Subscription } from '../types';
import { joinWaitList, newlyWaiting } from './circuit-gate';
import { toSlowLane } from './lane';
import { stop, type SendDeps, type Stop } from './steps';

/** Why the delivery waits, until when, and where its wake-up goes. */
interface Hold {
  until: Date;
  reason: string;
  /** Behind an open circuit: counted among the deliveries waiting there, woken in the slow lane. */
  circuit?: Circuit;
  /** Behind an open circuit: since when the delivery waits there. */
  waitingSince?: string;
}

export async function postponeBeforeClaim(deps: SendDeps, wakeup: DeliveryWakeup): Promise<Stop | undefined> {
  const key = deliveryKeyOf(wakeup.deliveryId);
  // A first wake-up without its event's receipt cannot create the delivery: the claim path reads the plan.
  if (!key || (wakeup.attempt === 1 && wakeup.event === undefined)) return undefined;
  // The same cached read the lane step and the claim path make: no extra request.
  const subscription = await deps.subscriptions.get(key.subscriptionId);
  // Deleted or disabled: the claim path closes or pauses the delivery.
  if (subscription?.status !== 'active') return undefined;
  const now = deps.clock.now();
  const hold = behindCircuit(deps, subscription, now, wakeup.waitingSince) ?? (await atLimit(deps, subscription));
  if (!hold) return undefined;
  const postponement = {
    until: hold.until.toISOString(),
    reason: hold.reason,
    now: now.toISOString(),
    budgetStartedAfter: new Date(hold.until.getTime() - retryHorizonMs(deps.policy)).toISOString(),
  };
  const { circuit, waitingSince } = hold;
  if (circuit) await joinWaitList(deps, subscription.id, circuit, wakeup.deliveryId, wakeup.waitingSince);
  const before = await deps.deliveries.postponeAttempt(wakeup, postponement, originOf(wakeup));
  if (!before) return undefined;
  if (circuit && newlyWaiting(circuit, before)) await deps.circuits.countWaiting(subscription.id, circuit.since!);
  const wakers = circuit ? toSlowLane(deps) : deps;
  const { deliveryId, attempt, event } = wakeup;
  await wakeDeferred(wakers, { deliveryId, attempt, event, ...(waitingSince && { waitingSince }) }, hold.reason, now, hold.until);
  return stop({ kind: 'deferred', until: postponement.until, reason: hold.reason });
}

function behindCircuit(deps: SendDeps, subscription: Subscription, now: Date, waitingSince: string | undefined): Hold | undefined {
  const circuit = circuitOf(subscription);
  const gate = gateOf(circuit, now, deps.circuitPolicy);
  if (gate.kind !== 'defer') return undefined;
  return {
    ...circuitWait(gate.until, circuit, now, waitingSince, deps.random ?? Math.random),
    reason: `circuit ${circuit.state}`,
    circuit,
  };
}

async function atLimit(deps: SendDeps, subscription: Subscription): Promise<Hold | undefined> {
  const deferral = await deps.limits?.deferralIfFull(subscription);
  return deferral && { until: deferral.until, reason: deferral.reason };
}

/** What a first wake-up from fan-out tells of its event: enough to create the delivery. */
function originOf(wakeup: DeliveryWakeup): DeliveryOrigin | undefined {
  if (wakeup.attempt !== 1 || !wakeup.event) return undefined;
  return { eventType: wakeup.event.type, createdAt: wakeup.event.receivedAt };
}
