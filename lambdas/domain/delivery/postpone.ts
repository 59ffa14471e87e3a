// Postpone behind the circuit: before anything is claimed, a wake-up for a subscription whose circuit
// is open, with its next probe not due, is handed back in one conditional write (what a claim and a
// deferral do in two) and woken again at the probe time. While a receiver is down every new delivery
// of it comes this way, tens a second on a busy subscription. A wake-up the write does not allow (a
// duplicate, a delivery near its retry horizon) goes on to the claim path, which decides as before.
import { circuitOf, deferredUntil, gateOf } from '../circuit';
import { wakeDeferred } from '../deferral';
import { deliveryKeyOf } from '../delivery-id';
import { queueOf } from '../lanes';
import type { DeliveryOrigin } from '../ports';
import { retryHorizonMs } from '../retry-policy';
import type { DeliveryWakeup } from '../types';
import { newlyWaiting } from './circuit-gate';
import { stop, type SendDeps, type Stop } from './steps';

export async function postponeBehindCircuit(deps: SendDeps, wakeup: DeliveryWakeup): Promise<Stop | undefined> {
  const key = deliveryKeyOf(wakeup.deliveryId);
  // A first wake-up without its event's receipt cannot create the delivery: the claim path reads the plan.
  if (!key || (wakeup.attempt === 1 && wakeup.event === undefined)) return undefined;
  // The same cached read the lane step made: no extra request.
  const subscription = await deps.subscriptions.get(key.subscriptionId);
  // Deleted or disabled: the claim path closes or pauses the delivery.
  if (subscription?.status !== 'active') return undefined;
  const circuit = circuitOf(subscription);
  const now = deps.clock.now();
  const gate = gateOf(circuit, now, deps.circuitPolicy);
  if (gate.kind !== 'defer') return undefined;
  const until = deferredUntil(gate.until, circuit, deps.random ?? Math.random);
  const reason = `circuit ${circuit.state}`;
  const postponement = {
    until: until.toISOString(),
    reason,
    now: now.toISOString(),
    budgetStartedAfter: new Date(until.getTime() - retryHorizonMs(deps.policy)).toISOString(),
  };
  const before = await deps.deliveries.postponeAttempt(wakeup, postponement, originOf(wakeup));
  if (!before) return undefined;
  if (newlyWaiting(circuit, before)) await deps.circuits.countWaiting(subscription.id, circuit.since!);
  const wakers = { ...deps, wakeups: queueOf({ main: deps.wakeups, slow: deps.slowWakeups }, 'slow') };
  await wakeDeferred(wakers, wakeup, reason, now, until);
  return stop({ kind: 'deferred', until: postponement.until, reason });
}

/** What a first wake-up from fan-out tells of its event: enough to create the delivery. */
function originOf(wakeup: DeliveryWakeup): DeliveryOrigin | undefined {
  if (wakeup.attempt !== 1 || !wakeup.event) return undefined;
  return { eventType: wakeup.event.type, createdAt: wakeup.event.receivedAt };
}
