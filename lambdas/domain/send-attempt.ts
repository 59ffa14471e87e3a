// One attempt of one delivery, as a chain of named steps (lambdas/domain/delivery/): carry on the
// release of deliveries that waited behind a closed circuit -> postpone, unclaimed, behind an open
// circuit or at the limits -> keep to the lane -> claim or recover ->
// check the subscription -> the circuit gate -> post within the subscription's limits (or defer) ->
// classify and scrub -> conclude -> arrange the next wake-up -> health -> the circuit's update. A
// step may stop the chain with the attempt's outcome; a new step goes in between two others with
// the same two lines. A failed HTTP attempt is a normal result; only storage or scheduling errors
// throw, so the queue retries the message.
import { claimOrRecover } from './delivery/claim';
import { gateByCircuit } from './delivery/circuit-gate';
import { updateCircuit } from './delivery/circuit-update';
import { keepToLane, retryLane } from './delivery/lane';
import { classifyAndScrub } from './delivery/classify';
import { conclude } from './delivery/conclude';
import { recordHealth } from './delivery/health';
import { arrangeNextWakeup } from './delivery/next-wakeup';
import { postWithinLimits } from './delivery/limits';
import { postponeBeforeClaim } from './delivery/postpone';
import { carryOnRelease } from './delivery/release';
import { isStop, type SendDeps, type SendOutcome, type WakeupContext } from './delivery/steps';
import { checkSubscription } from './delivery/subscription-check';
import type { DeliveryWakeup } from './types';

export { LEASE_MARGIN_MS } from './delivery/claim';
export type { SendDeps, SendOutcome, WakeupContext } from './delivery/steps';

export async function sendAttempt(deps: SendDeps, carrier: DeliveryWakeup, context: WakeupContext): Promise<SendOutcome> {
  // A wake-up may carry on the release of its subscription's waiting deliveries; its own attempt goes on without it.
  const wakeup = await carryOnRelease(deps, carrier);
  // In either lane: a postponed wake-up takes no sender's time (one behind a circuit wakes next in the slow lane).
  const postponed = await postponeBeforeClaim(deps, wakeup);
  if (postponed) return postponed.stop;
  const moved = await keepToLane(deps, wakeup);
  if (moved) return moved.stop;
  const claimed = await claimOrRecover(deps, wakeup, context);
  if (isStop(claimed)) return claimed.stop;
  const ready = await checkSubscription(deps, claimed);
  if (isStop(ready)) return ready.stop;
  const gated = await gateByCircuit(deps, ready);
  if (isStop(gated)) return gated.stop;
  const posted = await postWithinLimits(deps, gated);
  if (isStop(posted)) return posted.stop;
  const classified = classifyAndScrub(posted);
  const concluded = await conclude(deps, classified);
  if (isStop(concluded)) return concluded.stop;
  await arrangeNextWakeup(retryLane(deps, concluded), concluded);
  await recordHealth(deps, concluded);
  await updateCircuit(deps, concluded);
  return { kind: 'attempted', attempt: concluded.attempt, conclusion: concluded.conclusion.status };
}
