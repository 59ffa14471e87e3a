// Keep to the lane: before anything is claimed, a wake-up that reached the main lane for a
// subscription that is degraded now (its circuit not closed, or slow lately) is handed to the slow
// lane's queue, so that it never holds a main-lane sender. No attempt is used; the message is
// acknowledged only once the slow lane has it.
import { deliveryKeyOf } from '../delivery-id';
import { isSlow } from '../circuit';
import { laneOf, queueOf } from '../lanes';
import { noMetrics } from '../metrics';
import type { DeliveryWakeup } from '../types';
import { stop, type Concluded, type SendDeps, type Stop } from './steps';

type LaneDeps = Pick<SendDeps, 'lane' | 'slowWakeups' | 'subscriptions' | 'clock' | 'log' | 'metrics'>;

export async function keepToLane(deps: LaneDeps, wakeup: DeliveryWakeup): Promise<Stop | undefined> {
  if (deps.lane !== 'main' || deps.slowWakeups === undefined) return undefined;
  const key = deliveryKeyOf(wakeup.deliveryId);
  if (!key) return undefined;
  // The same cached read the subscription check makes after the claim: no extra request.
  const subscription = await deps.subscriptions.get(key.subscriptionId);
  if (laneOf(subscription, deps.clock.now()) === 'main') return undefined;
  await deps.slowWakeups.sendDelayed(wakeup, 0);
  (deps.metrics ?? noMetrics).count('DeliveriesToSlowLane');
  deps.log.debug('wake-up moved to the slow lane', {
    deliveryId: wakeup.deliveryId,
    attempt: wakeup.attempt,
    subscriptionId: key.subscriptionId,
  });
  return stop({ kind: 'skipped', reason: 'moved to the slow lane' });
}

/**
 * The queue a retry of this attempt goes to: the slow lane when the subscription is degraded or this
 * attempt was slow. (A wait over 15 minutes is a schedule, which always targets the main lane; the
 * main lane then moves it over if the subscription is still degraded.)
 */
export function retryLane<D extends Pick<SendDeps, 'wakeups' | 'slowWakeups' | 'circuitPolicy' | 'clock'>>(
  deps: D,
  concluded: Concluded,
): D {
  const { subscription, attempt } = concluded;
  const slow =
    concluded.slowMarked === true ||
    isSlow(attempt.outcome, attempt.durationMs, deps.circuitPolicy) ||
    laneOf(subscription, deps.clock.now()) === 'slow';
  return slow ? toSlowLane(deps) : deps;
}

/** The deps with their wake-ups sent to the slow lane (to the one queue where there is one lane). */
export function toSlowLane<D extends Pick<SendDeps, 'wakeups' | 'slowWakeups'>>(deps: D): D {
  return { ...deps, wakeups: queueOf({ main: deps.wakeups, slow: deps.slowWakeups }, 'slow') };
}
