// The gate in front of every POST: when the subscription has a rate limit, a send time
// (send-pacer.ts), and a concurrency slot (slot-pool.ts), both shared by every sender instance through the
// limiter store. When neither can be had soon, the delivery is deferred: the caller hands the
// attempt back and it comes back at a time taken from the subscription's wait line, which spreads
// deferred deliveries at the pace the subscription can take them.
import { randomUUID } from 'node:crypto';
import type { LimiterStore } from './limiter-store';
import type { Clock } from './ports';
import { lateToleranceMs, RATE_SPACING, SendPacer } from './send-pacer';
import { SlotPool } from './slot-pool';
import { limitsOf, type SubscriptionLimits } from './subscription-limits';
import type { Subscription } from './types';
import { WaitLine } from './wait-line';

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

export type Admission = { kind: 'go'; done: () => Promise<void> } | Deferral;
export interface Deferral {
  kind: 'defer';
  until: Date;
  reason: string;
}

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
  private readonly waitLine: WaitLine;

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
    this.waitLine = new WaitLine(options.store);
  }

  /** Resolves when the POST may start (`done` once it ended), or says until when to defer it. */
  async admit(subscription: Pick<Subscription, 'id' | 'maxConcurrency' | 'rateLimit'>): Promise<Admission> {
    const limits = limitsOf(subscription);
    const rateReason = rateReasonOf(limits);
    // The send time first: one write serves every delivery of the subscription arriving together,
    // and no slot is held while it is written.
    let sendAt: number | undefined;
    if (limits.rateLimit !== undefined) {
      const time = await this.pacer.reserve(subscription.id, limits.rateLimit);
      if (time.kind === 'wait') return this.deferral(subscription.id, limits, time.until, rateReason);
      sendAt = time.at;
    }
    const slot = await this.slots.take(subscription.id, limits.maxConcurrency);
    if (slot.kind === 'full')
      return this.deferral(subscription.id, limits, 0, `subscription at its concurrency limit (${limits.maxConcurrency})`);
    if (sendAt !== undefined && limits.rateLimit !== undefined) {
      const wait = sendAt - this.options.clock.now().getTime();
      if (wait > 0) await (this.options.sleep ?? sleepMs)(wait);
      // Too late for the send time (the slot came late, or a busy process woke late): going now
      // could crowd the next ones into one second.
      if (this.options.clock.now().getTime() - sendAt > lateToleranceMs(limits.rateLimit)) {
        await slot.release();
        return this.deferral(subscription.id, limits, 0, rateReason);
      }
    }
    return this.go(slot.release);
  }

  /**
   * When the subscription is known here to be at its rate limit (no send time free within the
   * horizon) or at its concurrency limit: the deferral `admit` would give, found before the delivery
   * is claimed, so that it is handed back with one write, not two or three.
   */
  async deferralIfFull(subscription: Pick<Subscription, 'id' | 'maxConcurrency' | 'rateLimit'>): Promise<Deferral | undefined> {
    const limits = limitsOf(subscription);
    const rateWait = limits.rateLimit === undefined ? undefined : this.pacer.knownWait(subscription.id);
    if (rateWait !== undefined) return this.deferral(subscription.id, limits, rateWait, rateReasonOf(limits));
    if (!this.slots.knownFull(subscription.id, limits.maxConcurrency)) return undefined;
    return this.deferral(subscription.id, limits, 0, `subscription at its concurrency limit (${limits.maxConcurrency})`);
  }

  private go(release: (postMs?: number) => Promise<void>): Admission {
    const started = this.options.clock.now().getTime();
    return { kind: 'go', done: () => release(this.options.clock.now().getTime() - started) };
  }

  /** A time on the wait line, spaced at the pace the subscription's limits allow (as seen here). */
  private async deferral(subscriptionId: string, limits: SubscriptionLimits, earliest: number, reason: string): Promise<Deferral> {
    const now = this.options.clock.now().getTime();
    const byConcurrency = (limits.maxConcurrency * 1000) / this.slots.meanMs(subscriptionId);
    const perSecond = limits.rateLimit === undefined ? byConcurrency : Math.min(byConcurrency, limits.rateLimit / RATE_SPACING);
    const at = await this.waitLine.wakeupAt(subscriptionId, 1000 / perSecond, Math.max(earliest, now + MIN_DEFER_MS));
    return { kind: 'defer', until: new Date(at), reason };
  }
}

function rateReasonOf(limits: SubscriptionLimits): string {
  return `subscription at its rate limit (${limits.rateLimit}/s)`;
}
