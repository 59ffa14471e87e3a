// What the limit gate needs from shared storage: the state every sender instance sees, so that the
// limits hold over all of them. Times are epoch milliseconds. Nothing here imports AWS.

export type SlotLease = { taken: true } | { taken: false; heldUntil: number };

export interface SendReservation {
  /** The first reserved send time; the others follow at the interval. */
  first: number;
  /** How many send times were reserved (0: none fit before `latest`). */
  granted: number;
  /** With none granted: the earliest time a send could be reserved for. */
  nextFree: number;
}

export interface LimiterStore {
  /**
   * Takes slot `slot` of the subscription for `owner` until `until`, with one conditional write: when
   * nobody holds it, its lease has ended by `now`, or `owner` holds it already (a renewal).
   * Otherwise says until when the other holder has it.
   */
  leaseSlot(subscriptionId: string, slot: number, owner: string, now: number, until: number): Promise<SlotLease>;
  /** Gives the slot up early, if `owner` still holds it. */
  releaseSlot(subscriptionId: string, slot: number, owner: string): Promise<void>;
  /**
   * Reserves up to `wanted` send times spaced `intervalMs` apart on the subscription's one line of
   * send times (GCRA: the line's end moves to `max(end, now) + granted * intervalMs`), none later
   * than `latest`.
   */
  reserveSends(subscriptionId: string, wanted: number, intervalMs: number, now: number, latest: number): Promise<SendReservation>;
  /**
   * Reserves `count` wake-up times for deferred deliveries on the subscription's wait line,
   * `intervalMs` apart after the previous ones and not before `earliest`, so that deferred deliveries
   * come back spread at the pace the subscription can take them rather than all at once. Returns
   * the first; the others follow at the interval.
   */
  reserveWakeups(subscriptionId: string, count: number, intervalMs: number, earliest: number): Promise<number>;
}
