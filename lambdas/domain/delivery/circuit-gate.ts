// The circuit gate, between the subscription check and the POST: while the subscription's circuit is
// open, the claimed attempt is not made but deferred (handed back, not counted) to the next probe;
// the first delivery to come once the probe is due takes it (a conditional write, so one at a time)
// and is POSTed as the probe. Deferred wake-ups go to the slow lane. A delivery deferred behind the
// same opening again sleeps as long as it has waited (circuit.ts, `circuitWait`); the close
// releases them all (release.ts), from the wait list each joins when it first waits behind it.
import { behindProbe, circuitOf, circuitWait, gateOf, waitsBehindOpening, type Circuit, type CircuitWait } from '../circuit';
import { deferDelivery } from '../deferral';
import { toSlowLane } from './lane';
import { noMetrics } from '../metrics';
import { stop, type Ready, type SendDeps, type Stop } from './steps';
import { carriedEvent } from '../wakeup-plan';
import type { Delivery } from '../types';

type GateDeps = SendDeps;

export async function gateByCircuit(deps: GateDeps, ready: Ready): Promise<Ready | Stop> {
  const now = deps.clock.now();
  let circuit = circuitOf(ready.subscription);
  let gate = gateOf(circuit, now, deps.circuitPolicy);
  if (gate.kind === 'pass') return ready;
  if (gate.kind === 'probe') {
    if (await takeProbe(deps, ready, now)) return { ...ready, probe: true };
    // Another delivery took it: read the circuit as it is now (it may even have closed).
    deps.subscriptions.forget(ready.subscription.id);
    const fresh = await deps.subscriptions.get(ready.subscription.id);
    circuit = fresh ? circuitOf(fresh) : circuit;
    gate = gateOf(circuit, now, deps.circuitPolicy);
    if (gate.kind === 'pass') return fresh ? { ...ready, subscription: fresh } : ready;
  }
  // Still due after another delivery took the probe: a read from before its write; it was taken just now.
  const justTaken = () => behindProbe(new Date(now.getTime() + deps.circuitPolicy.probeLeaseMs), now, deps.circuitPolicy);
  const until = gate.kind === 'defer' ? gate.until : justTaken();
  return defer(deps, ready, circuit, circuitWait(until, circuit, now, ready.wakeup.waitingSince, deps.random ?? Math.random));
}

async function takeProbe(deps: GateDeps, ready: Ready, now: Date): Promise<boolean> {
  const lease = new Date(now.getTime() + deps.circuitPolicy.probeLeaseMs);
  const taken = await deps.circuits.takeProbe(ready.subscription.id, now, lease);
  if (!taken) return false;
  deps.subscriptions.forget(ready.subscription.id);
  (deps.metrics ?? noMetrics).count('CircuitProbes');
  deps.log.info('circuit probe: this attempt tells whether the receiver is back', ready.fields);
  return true;
}

async function defer(deps: GateDeps, ready: Ready, circuit: Circuit, wait: CircuitWait): Promise<Stop> {
  const firstTime = newlyWaiting(circuit, ready.delivery);
  await joinWaitList(deps, ready.subscription.id, circuit, ready.delivery.deliveryId, ready.wakeup.waitingSince);
  const carried = { event: carriedEvent(ready.event), waitingSince: wait.waitingSince };
  const outcome = await deferDelivery(toSlowLane(deps), ready.delivery, wait.until, `circuit ${circuit.state}`, carried);
  if (outcome.kind === 'deferred' && firstTime) await deps.circuits.countWaiting(ready.subscription.id, circuit.since!);
  if (outcome.kind === 'deferred') return stop({ kind: 'deferred', until: outcome.until, reason: `circuit ${circuit.state}` });
  return stop(outcome);
}

/**
 * A delivery that its wake-up shows new behind this opening joins its wait list, for the close to
 * release (release.ts). Before the deferral's write: a retry of the message after that write finds
 * the delivery not due and takes another path, which would never add it. Adding it twice is one item.
 */
export async function joinWaitList(
  deps: Pick<SendDeps, 'waitList' | 'clock'>,
  subscriptionId: string,
  circuit: Circuit,
  deliveryId: string,
  waitingSince: string | undefined,
): Promise<void> {
  if (circuit.since === undefined || waitsBehindOpening(circuit, waitingSince)) return;
  await deps.waitList.add(subscriptionId, circuit.since, deliveryId, deps.clock.now());
}

/**
 * Whether a deferral behind `circuit` adds a delivery to those waiting behind it: counted once per
 * delivery and opening, so a delivery deferred again behind the same circuit is not new. One that
 * waited at the subscription's limits since after the opening is (its wait began then, but not
 * behind the circuit).
 */
export function newlyWaiting(circuit: Circuit, before: Pick<Delivery, 'deferredSince' | 'deferReason'>): boolean {
  if (circuit.since === undefined) return false;
  const { deferredSince, deferReason } = before;
  const behindThisCircuit = deferredSince !== undefined && deferredSince >= circuit.since && deferReason?.startsWith('circuit') === true;
  return !behindThisCircuit;
}
