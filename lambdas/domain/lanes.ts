// Two lanes of wake-ups: the main one, and a slow one for degraded subscriptions (circuit not closed,
// or slow lately), whose sender has its own queue and concurrency, so that a receiver that hangs or
// crawls never holds the senders the healthy ones need. The lane is chosen where a wake-up is sent:
// ingest's fan-out, a retry, a deferral; a wake-up that reaches the main lane for a subscription
// degraded since is moved over before it is claimed (no attempt is used).
import { isDegraded, type LaneCircuit } from './circuit';
import type { WakeupQueue } from './ports';
import type { DeliveryWakeup } from './types';

export type Lane = 'main' | 'slow';

export interface Lanes<Q = WakeupQueue> {
  main: Q;
  /** Absent: one lane for everything. */
  slow?: Q;
}

/** No circuit stored: closed, never slow. */
export function laneOf(subscription: { circuit?: LaneCircuit } | undefined, now: Date): Lane {
  return subscription?.circuit !== undefined && isDegraded(subscription.circuit, now) ? 'slow' : 'main';
}

export function queueOf<Q>(lanes: Lanes<Q>, lane: Lane): Q {
  return lane === 'slow' && lanes.slow !== undefined ? lanes.slow : lanes.main;
}

/** Sends each wake-up to its subscription's lane; returns the ones that could not be sent. */
export async function sendNowByLane(
  lanes: Lanes<Pick<WakeupQueue, 'sendNow'>>,
  wakeups: DeliveryWakeup[],
  laneOfWakeup: (wakeup: DeliveryWakeup) => Lane,
): Promise<DeliveryWakeup[]> {
  if (lanes.slow === undefined) return lanes.main.sendNow(wakeups);
  const slow = wakeups.filter((w) => laneOfWakeup(w) === 'slow');
  if (slow.length === 0) return lanes.main.sendNow(wakeups);
  const main = wakeups.filter((w) => laneOfWakeup(w) === 'main');
  const [unsentMain, unsentSlow] = await Promise.all([lanes.main.sendNow(main), lanes.slow.sendNow(slow)]);
  return [...unsentMain, ...unsentSlow];
}
