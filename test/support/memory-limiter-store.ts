// The limiter store's contract in memory, for the gate's unit tests: every call is one atomic write
// (as a conditional UpdateItem is), counted, so the tests can say what the gate costs.
import type { LimiterStore, SendReservation, SlotLease } from '../../lambdas/domain/limiter-store';

export class MemoryLimiterStore implements LimiterStore {
  readonly slots = new Map<string, { owner: string; until: number }>();
  readonly tat = new Map<string, number>();
  readonly wake = new Map<string, number>();
  writes = 0;
  slotTakes = 0;

  async leaseSlot(subscriptionId: string, slot: number, owner: string, now: number, until: number): Promise<SlotLease> {
    this.writes += 1;
    this.slotTakes += 1;
    const key = `${subscriptionId}#${slot}`;
    const held = this.slots.get(key);
    if (held && held.until > now && held.owner !== owner) return { taken: false, heldUntil: held.until };
    this.slots.set(key, { owner, until });
    return { taken: true };
  }

  async releaseSlot(subscriptionId: string, slot: number, owner: string): Promise<void> {
    this.writes += 1;
    const key = `${subscriptionId}#${slot}`;
    if (this.slots.get(key)?.owner === owner) this.slots.delete(key);
  }

  async reserveSends(subscriptionId: string, wanted: number, intervalMs: number, now: number, latest: number): Promise<SendReservation> {
    this.writes += 1;
    const first = Math.max(this.tat.get(subscriptionId) ?? 0, now);
    const granted = Math.max(0, Math.min(wanted, Math.floor((latest - first) / intervalMs) + 1));
    if (granted > 0) this.tat.set(subscriptionId, first + granted * intervalMs);
    return { first, granted, nextFree: first };
  }

  async reserveWakeups(subscriptionId: string, count: number, intervalMs: number, earliest: number): Promise<number> {
    this.writes += 1;
    const at = Math.max(this.wake.get(subscriptionId) ?? 0, earliest);
    this.wake.set(subscriptionId, at + count * intervalMs);
    return at;
  }

  /** Slots of the subscription whose lease has not ended at `now`. */
  heldAt(subscriptionId: string, now: number): number {
    return [...this.slots].filter(([key, s]) => key.startsWith(`${subscriptionId}#`) && s.until > now).length;
  }
}
