// Concurrency slots of subscriptions, as one sender instance holds them. A subscription has
// `maxConcurrency` slots in the limiter store; a POST needs one. An instance takes a slot with one
// conditional write and keeps it, with a lease, while it goes on using it, one POST at a time (a
// local queue in front of each held slot): a busy subscription costs a write per slot per lease,
// not per delivery. When other instances want the subscription's slots too (a take failed, or a
// delivery was deferred), a slot is given back as soon as this instance has nothing queued for it.
import type { Clock } from './ports';
import type { LimiterStore } from './limiter-store';

export interface SlotPoolOptions {
  store: LimiterStore;
  clock: Clock;
  owner: string;
  /** How long a lease lasts from its take or renewal. */
  leaseMs: number;
  /** A POST starts on a held slot only while its lease has at least this long left (the attempt timeout and a margin). */
  needMs: number;
  /** The longest a delivery waits in this instance for a held slot (estimated); beyond it, it is deferred. */
  localWaitMs: number;
  random?: () => number;
}

/** `release` takes how long the POST on the slot took, for the pace this instance sees. */
export type SlotTake = { kind: 'slot'; release: (postMs?: number) => Promise<void> } | { kind: 'full' };

interface HeldSlot {
  slot: number;
  until: number;
  busy: boolean;
  /** When the POST on it started, while busy. */
  since?: number;
}

interface SubscriptionSlots {
  held: Map<number, HeldSlot>;
  /** Slots other instances hold, and until when, as learnt from failed takes. */
  others: Map<number, number>;
  waiters: Array<() => void>;
  /** Until when slots are known to be scarce: a delivery here found them all held by other instances. */
  contendedUntil: number;
  /** Mean POST time here, for the local wait estimate and the pace of the wait line. */
  meanMs: number;
}

/** Failed takes per delivery before it is deferred: each costs a write. */
const MAX_TAKES = 2;
/** Until POSTs were timed here: a fast receiver, so that a first batch queues on one slot rather than taking many. */
const INITIAL_MEAN_MS = 50;

export class SlotPool {
  private readonly subscriptions = new Map<string, SubscriptionSlots>();

  constructor(private readonly options: SlotPoolOptions) {}

  async take(subscriptionId: string, maxConcurrency: number): Promise<SlotTake> {
    const state = this.stateOf(subscriptionId);
    let waited = false;
    for (let takes = 0; ;) {
      const now = this.options.clock.now().getTime();
      const free = [...state.held.values()].find((h) => !h.busy && h.slot < maxConcurrency);
      if (free) {
        free.busy = true;
        if (free.until - now >= this.options.needMs || (await this.lease(subscriptionId, state, free.slot, now)))
          return this.granted(subscriptionId, state, free);
        continue;
      }
      // A short queue on the slots held here first: another slot costs a write, and slots kept idle
      // here between invocations are slots other instances cannot have. Once only: a delivery that
      // waited its time here goes on to a slot of its own or to the wait line.
      if (!waited && this.mayWaitHere(state, maxConcurrency, now)) {
        waited = !(await this.queueHere(state));
        continue;
      }
      const candidate = takes < MAX_TAKES ? this.candidate(state, maxConcurrency, now, takes) : undefined;
      if (candidate !== undefined) {
        takes += 1;
        const slot: HeldSlot = { slot: candidate, until: 0, busy: true };
        state.held.set(candidate, slot);
        if (await this.lease(subscriptionId, state, candidate, now)) return this.granted(subscriptionId, state, slot);
        continue;
      }
      // Scarce: other instances hold the slots this delivery could not have.
      if ([...state.others.values()].some((until) => until > now)) this.contended(state, now);
      return { kind: 'full' };
    }
  }

  /** Other instances hold this subscription's slots, and want them: give them back as soon as they are idle here. */
  private contended(state: SubscriptionSlots, now: number): void {
    state.contendedUntil = now + 2 * this.options.leaseMs;
  }

  private async lease(subscriptionId: string, state: SubscriptionSlots, slot: number, now: number): Promise<boolean> {
    const until = now + this.options.leaseMs;
    const result = await this.options.store.leaseSlot(subscriptionId, slot, this.options.owner, now, until);
    const held = state.held.get(slot)!;
    if (result.taken) {
      held.until = until;
      state.others.delete(slot);
      return true;
    }
    state.held.delete(slot);
    state.others.set(slot, result.heldUntil);
    // The slot they may have been queued for is gone: every waiter looks again.
    for (const wake of state.waiters.splice(0)) wake();
    return false;
  }

  private granted(subscriptionId: string, state: SubscriptionSlots, held: HeldSlot): SlotTake {
    held.since = this.options.clock.now().getTime();
    let released = false;
    const release = async (postMs?: number) => {
      if (released) return;
      released = true;
      const now = this.options.clock.now().getTime();
      if (postMs !== undefined) state.meanMs = 0.8 * state.meanMs + 0.2 * Math.max(1, postMs);
      held.busy = false;
      held.since = undefined;
      if (state.waiters.length > 0) return this.wakeOne(state);
      if (now < state.contendedUntil || held.until <= now) {
        state.held.delete(held.slot);
        // A release that fails only leaves the lease to run out: never more than the limit either way.
        if (held.until > now) await this.options.store.releaseSlot(subscriptionId, held.slot, this.options.owner).catch(() => undefined);
      }
    };
    return { kind: 'slot', release };
  }

  /**
   * A slot not held here and not known to be held elsewhere, starting at a random one. Failing that,
   * on a delivery's first try, the one known to be free soonest: what was learnt may be stale, since
   * a holder that saw others waiting gives its slot back early.
   */
  private candidate(state: SubscriptionSlots, maxConcurrency: number, now: number, takes: number): number | undefined {
    const start = Math.floor((this.options.random ?? Math.random)() * maxConcurrency);
    let soonest: number | undefined;
    for (let i = 0; i < maxConcurrency; i += 1) {
      const slot = (start + i) % maxConcurrency;
      if (state.held.has(slot)) continue;
      const heldUntil = state.others.get(slot) ?? 0;
      if (heldUntil <= now) return slot;
      if (soonest === undefined || heldUntil < state.others.get(soonest)!) soonest = slot;
    }
    return takes === 0 ? soonest : undefined;
  }

  /**
   * Wait here for a held slot only when the queue in front is short enough to clear within
   * `localWaitMs`, and only while other instances are not known to want the slots: then a delivery
   * queued here holds up the batch it came in (and other subscriptions' deliveries in it) for a slot
   * that should go to them, and waits on the wait line instead.
   */
  private mayWaitHere(state: SubscriptionSlots, maxConcurrency: number, now: number): boolean {
    if (now < state.contendedUntil) return false;
    const usable = [...state.held.values()].filter((h) => h.slot < maxConcurrency).length;
    if (usable === 0) return false;
    return ((state.waiters.length + 1) * paceMs(state, now)) / usable <= this.options.localWaitMs;
  }

  /**
   * Whether a delivery arriving now would certainly find no slot, by what this instance knows: every
   * slot is busy here or held by another instance, and the queue here is too long to wait in. It
   * asks no one: a false answer only means the delivery goes on to `take`.
   */
  knownFull(subscriptionId: string, maxConcurrency: number): boolean {
    const state = this.subscriptions.get(subscriptionId);
    if (!state) return false;
    const now = this.options.clock.now().getTime();
    const usable = [...state.held.values()].filter((h) => h.slot < maxConcurrency);
    if (usable.some((h) => !h.busy)) return false;
    const elsewhere = [...state.others].filter(([slot, until]) => slot < maxConcurrency && until > now && !state.held.has(slot)).length;
    if (usable.length + elsewhere < maxConcurrency) return false;
    return !this.mayWaitHere(state, maxConcurrency, now);
  }

  /**
   * Queues for a slot held here, for `localWaitMs` at most: the estimate that let it queue cannot
   * know a POST that is about to hang. True when a slot was handed over in time.
   */
  private queueHere(state: SubscriptionSlots): Promise<boolean> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const at = state.waiters.indexOf(wake);
        if (at >= 0) state.waiters.splice(at, 1);
        resolve(false);
      }, this.options.localWaitMs);
      state.waiters.push(wake);
    });
  }

  private wakeOne(state: SubscriptionSlots): void {
    state.waiters.shift()?.();
  }

  private stateOf(subscriptionId: string): SubscriptionSlots {
    let state = this.subscriptions.get(subscriptionId);
    if (!state) {
      state = { held: new Map(), others: new Map(), waiters: [], contendedUntil: 0, meanMs: INITIAL_MEAN_MS };
      this.subscriptions.set(subscriptionId, state);
    }
    return state;
  }

  /** What a POST of the subscription takes in this instance, in ms: see `paceMs`. */
  meanMs(subscriptionId: string): number {
    return paceMs(this.stateOf(subscriptionId), this.options.clock.now().getTime());
  }
}

/**
 * The mean of the POSTs that ended here, or the age of the oldest one still in flight when that is
 * longer: a receiver that stopped answering has no POST ending to tell its mean so, and its slots
 * would otherwise look free within the mean of its fast days.
 */
function paceMs(state: SubscriptionSlots, now: number): number {
  let pace = state.meanMs;
  for (const held of state.held.values()) if (held.busy && held.since !== undefined) pace = Math.max(pace, now - held.since);
  return pace;
}
