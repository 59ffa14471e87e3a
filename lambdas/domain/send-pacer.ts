// Rate limits, as one sender instance keeps them: send times are reserved on the subscription's one
// line of send times in the limiter store (GCRA), several with one write when several deliveries of
// the subscription want to go at about the same moment, and each POST then waits here for its time.
// Only times within a short horizon are reserved, so that a POST never waits long in an instance.
import type { LimiterStore } from './limiter-store';
import type { Clock } from './ports';

export interface SendPacerOptions {
  store: LimiterStore;
  clock: Clock;
  /** The furthest ahead a send time is reserved; a delivery that would have to wait longer is deferred. */
  horizonMs: number;
}

export type SendTime = { kind: 'at'; at: number } | { kind: 'wait'; until: number };

/**
 * Send times are 5 % further apart than 1/rate: a POST may start a few milliseconds after its time
 * (timers, the event loop), and two that come closer than 1/rate must still not make more than the
 * limit in any one-second window, whatever the rate.
 */
export const RATE_SPACING = 1.05;

export function sendIntervalMs(rateLimit: number): number {
  return (1000 * RATE_SPACING) / rateLimit;
}

interface Waiting {
  resolve: (time: SendTime) => void;
  reject: (error: unknown) => void;
}

export class SendPacer {
  private readonly queued = new Map<string, Waiting[]>();
  private readonly flushing = new Set<string>();

  constructor(private readonly options: SendPacerOptions) {}

  /** A send time for one POST to the subscription, or when to come back. */
  reserve(subscriptionId: string, rateLimit: number): Promise<SendTime> {
    return new Promise<SendTime>((resolve, reject) => {
      const queue = this.queued.get(subscriptionId) ?? [];
      queue.push({ resolve, reject });
      this.queued.set(subscriptionId, queue);
      // Reservations asked for in the same turn, or while a write is out, go together in one write.
      if (!this.flushing.has(subscriptionId)) {
        this.flushing.add(subscriptionId);
        setImmediate(() => void this.flush(subscriptionId, rateLimit));
      }
    });
  }

  private async flush(subscriptionId: string, rateLimit: number): Promise<void> {
    const batch = this.queued.get(subscriptionId) ?? [];
    this.queued.delete(subscriptionId);
    const interval = sendIntervalMs(rateLimit);
    try {
      const now = this.options.clock.now().getTime();
      const r = await this.options.store.reserveSends(subscriptionId, batch.length, interval, now, now + this.options.horizonMs);
      const comeBack = r.granted > 0 ? r.first + r.granted * interval : r.nextFree;
      batch.forEach((w, i) => w.resolve(i < r.granted ? { kind: 'at', at: r.first + i * interval } : { kind: 'wait', until: comeBack }));
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
    if (this.queued.has(subscriptionId)) await this.flush(subscriptionId, rateLimit);
    else this.flushing.delete(subscriptionId);
  }
}
