// The gate in front of every POST: a subscription's concurrency slot (slot-pool.ts) and, when it has
// a rate limit, a send time (send-pacer.ts), both shared by every sender instance through the
// limiter store. When neither can be had soon, the delivery is deferred: the caller hands the
// attempt back and it comes back at a time taken from the subscription's wait line, which spreads
// deferred deliveries at the pace the subscription can take them.
import { randomUUID } from 'node:crypto';
import type { LimiterStore } from './limiter-store';
import type { Clock } from './ports';
import { RATE_SPACING, SendPacer } from './send-pacer';
import { SlotPool } from './slot-pool';
import { limitsOf, type SubscriptionLimits } from './subscription-limits';
import type { Subscription } from './types';

export interface LimitGateOptions {
  store: LimiterStore;
  clock: Clock;
  attemptTimeoutMs: number;
  /** Waits until a reserved send time; setTimeout by default. */
  sleep?: (ms: number) => Promise<void>;
  /** This instance, as slot holder; random by default. */
  owner?: string;
  random?: () => number;
}

export type Admission = { kind: 'go'; done: () => Promise<void> } | { kind: 'defer'; until: Date; reason: string };

/** The furthest ahead a send time is reserved, and the longest a delivery waits in an instance for a slot. */
export const LOCAL_WAIT_MS = 250;
/** A slot lease covers a whole POST with this to spare, and lasts this much longer so that a busy slot is renewed rarely. */
const SLOT_SPARE_MS = 2_000;
const SLOT_KEEP_MS = 5_000;
/** The soonest a deferred delivery comes back. */
export const MIN_DEFER_MS = 1_000;

export const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class LimitGate {
  private readonly slots: SlotPool;
  private readonly pacer: SendPacer;

  constructor(private readonly options: LimitGateOptions) {
    // A POST may start up to LOCAL_WAIT_MS after its slot is taken (waiting for its send time).
    const needMs = options.attemptTimeoutMs + LOCAL_WAIT_MS + SLOT_SPARE_MS;
    this.slots = new SlotPool({
      store: options.store,
      clock: options.clock,
      owner: options.owner ?? randomUUID(),
      needMs,
      leaseMs: needMs + SLOT_KEEP_MS,
      localWaitMs: LOCAL_WAIT_MS,
      random: options.random,
    });
    this.pacer = new SendPacer({ store: options.store, clock: options.clock, horizonMs: LOCAL_WAIT_MS });
  }

  /** Resolves when the POST may start (`done` once it ended), or says until when to defer it. */
  async admit(subscription: Pick<Subscription, 'id' | 'maxConcurrency' | 'rateLimit'>): Promise<Admission> {
    const limits = limitsOf(subscription);
    const slot = await this.slots.take(subscription.id, limits.maxConcurrency);
    if (slot.kind === 'full') return this.deferral(subscription.id, limits, 0, `subscription at its concurrency limit (${limits.maxConcurrency})`);
    if (limits.rateLimit === undefined) return this.go(slot.release);
    try {
      const time = await this.pacer.reserve(subscription.id, limits.rateLimit);
      if (time.kind === 'wait') {
        await slot.release();
        return this.deferral(subscription.id, limits, time.until, `subscription at its rate limit (${limits.rateLimit}/s)`);
      }
      const wait = time.at - this.options.clock.now().getTime();
      if (wait > 0) await (this.options.sleep ?? sleepMs)(wait);
      return this.go(slot.release);
    } catch (error) {
      await slot.release();
      throw error;
    }
  }

  private go(release: (postMs?: number) => Promise<void>): Admission {
    const started = this.options.clock.now().getTime();
    return { kind: 'go', done: () => release(this.options.clock.now().getTime() - started) };
  }

  /** A time on the wait line, spaced at the pace the subscription's limits allow (as seen here). */
  private async deferral(subscriptionId: string, limits: SubscriptionLimits, earliest: number, reason: string): Promise<Admission> {
    const now = this.options.clock.now().getTime();
    this.slots.contended(subscriptionId, now);
    const byConcurrency = (limits.maxConcurrency * 1000) / this.slots.meanMs(subscriptionId);
    const perSecond = limits.rateLimit === undefined ? byConcurrency : Math.min(byConcurrency, limits.rateLimit / RATE_SPACING);
    const at = await this.options.store.reserveWakeup(subscriptionId, 1000 / perSecond, Math.max(earliest, now + MIN_DEFER_MS));
    return { kind: 'defer', until: new Date(at), reason };
  }
}
