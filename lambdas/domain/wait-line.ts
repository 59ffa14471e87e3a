// The wait line of deferred deliveries, as one sender instance uses it: deliveries of a
// subscription deferred at about the same moment get their wake-up times with one write, spaced at
// the pace the subscription can take them, after the wake-ups other instances handed out before.
import { coalesced } from './coalesce';
import type { LimiterStore } from './limiter-store';

export class WaitLine {
  private readonly reserve: (subscriptionId: string, request: { intervalMs: number; earliest: number }) => Promise<number>;

  constructor(store: LimiterStore) {
    this.reserve = coalesced(async (subscriptionId, requests: Array<{ intervalMs: number; earliest: number }>) => {
      const intervalMs = requests.at(-1)!.intervalMs;
      const earliest = Math.max(...requests.map((r) => r.earliest));
      const first = await store.reserveWakeups(subscriptionId, requests.length, intervalMs, earliest);
      return requests.map((_, i) => first + i * intervalMs);
    });
  }

  /** A wake-up time for one deferred delivery, `intervalMs` after the previous one on the line, not before `earliest`. */
  wakeupAt(subscriptionId: string, intervalMs: number, earliest: number): Promise<number> {
    return this.reserve(subscriptionId, { intervalMs, earliest });
  }
}
