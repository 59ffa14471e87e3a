// Rate limits, as one sender instance keeps them: send times are reserved on the subscription's one
// line of send times in the limiter store (GCRA), several with one write when several deliveries of
// the subscription want to go at about the same moment, and each POST then waits here for its time.
// Only times within a short horizon are reserved, so that a POST never waits long in an instance.
// Each reservation also tells when the line is next free; the line only moves forward, so until
// then this instance knows, without asking, that a reservation would be refused.
import { coalesced } from './coalesce';
import type { LimiterStore } from './limiter-store';
import type { Clock } from './ports';

export interface SendPacerOptions {
  store: LimiterStore;
  clock: Clock;
  /** The furthest ahead a send time is reserved; a delivery that would have to wait longer is deferred. */
  horizonMs: number;
}

export type SendTime = { kind: 'at'; at: number } | { kind: 'wait'; until: number };

/** Send times are 5 % further apart than 1/rate. */
export const RATE_SPACING = 1.05;

export function sendIntervalMs(rateLimit: number): number {
  return (1000 * RATE_SPACING) / rateLimit;
}

/**
 * How late after its send time a POST may still start; later, it gives the time up. Send times
 * s apart that start up to D late put at most floor((1 + D) / s) + 1 in a one-second window; D is
 * chosen so that this stays within 1.1 x the rate (for rates under 10: within the rate): 40 ms
 * below 10 per second, 140 ms from 10 on.
 */
export function lateToleranceMs(rateLimit: number): number {
  const allowed = Math.floor(1.1 * rateLimit + 1e-9);
  return Math.max(0, (allowed * sendIntervalMs(rateLimit)) / 1000 - 1) * 1000 - 10;
}

export class SendPacer {
  private readonly reserveOne: (subscriptionId: string, rateLimit: number) => Promise<SendTime>;
  /** By subscription: the earliest time its line was free at this instance's last reservation. */
  private readonly nextFree = new Map<string, number>();

  constructor(private readonly options: SendPacerOptions) {
    this.reserveOne = coalesced(async (subscriptionId, rates: number[]) => {
      const interval = sendIntervalMs(rates.at(-1)!);
      const now = options.clock.now().getTime();
      const r = await options.store.reserveSends(subscriptionId, rates.length, interval, now, now + options.horizonMs);
      const comeBack = r.granted > 0 ? r.first + r.granted * interval : r.nextFree;
      this.nextFree.set(subscriptionId, comeBack);
      return rates.map((_, i): SendTime =>
        i < r.granted ? { kind: 'at', at: r.first + i * interval } : { kind: 'wait', until: comeBack },
      );
    });
  }

  /**
   * When a reservation for the subscription would be refused now, as this instance already knows
   * (its line's next free time is beyond the horizon): then the time to come back; else undefined.
   */
  knownWait(subscriptionId: string): number | undefined {
    const free = this.nextFree.get(subscriptionId);
    if (free === undefined) return undefined;
    const now = this.options.clock.now().getTime();
    if (free <= now) this.nextFree.delete(subscriptionId);
    return free > now + this.options.horizonMs ? free : undefined;
  }

  /** A send time for one POST to the subscription, or when to come back. */
  reserve(subscriptionId: string, rateLimit: number): Promise<SendTime> {
    return this.reserveOne(subscriptionId, rateLimit);
  }
}
