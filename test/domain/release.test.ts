// The release of the deliveries that waited behind a closed circuit, over in-memory stand-ins for its
// storage and queue: which deliveries it wakes and when, how it carries on past entries that no longer
// wait, and when it does nothing (a stale cached subscription read again, a release too old).
import { describe, expect, it } from 'vitest';
import { LONGEST_CIRCUIT_WAIT_MS, type Circuit } from '../../lambdas/domain/circuit';
import { updateCircuit } from '../../lambdas/domain/delivery/circuit-update';
import { carryOnRelease, PAGES_PER_CALL, releaseWaiting } from '../../lambdas/domain/delivery/release';
import type { Concluded, SendDeps } from '../../lambdas/domain/delivery/steps';
import { silentLog } from '../../lambdas/domain/log';
import type { Page } from '../../lambdas/domain/ports';
import type { DeliveryWakeup, Subscription } from '../../lambdas/domain/types';

const SUB = 'sub_aaaaaaaaaaaaaaaaaaaa';
const PAGE = 25;
const t0 = Date.parse('2026-11-30T12:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const openedAt = iso(t0 - 3_600_000);
const closedAt = iso(t0 - 1_000);
const idOf = (i: number) => `evt-${String(i).padStart(4, '0')}.${SUB}`;

interface World {
  deps: Parameters<typeof releaseWaiting>[0];
  /** Wake-ups sent, with their delay. */
  woken: Array<DeliveryWakeup & { delayMs: number }>;
  /** Reads of the subscription that reached storage (not the cache). */
  reads: () => number;
}

/**
 * A wait list of `entries` ids, `waiting` of them still waiting (released once each); the stored
 * subscription has `stored` as its circuit, the cache `cached` until it is forgotten.
 */
function world(entries: number, waiting: Set<number>, stored: Circuit, cached: Circuit = stored, now = t0): World {
  const woken: World['woken'] = [];
  let reads = 0;
  let cache: Circuit | undefined = cached;
  const subscription = (circuit: Circuit): Subscription => ({
    id: SUB,
    url: 'https://receiver.example/hook',
    status: 'active',
    circuit,
    createdAt: openedAt,
    updatedAt: openedAt,
  });
  // Cast: the stand-ins implement only what the release calls of each port.
  const deps = {
    clock: { now: () => new Date(now) },
    log: silentLog,
    scheduler: { scheduleAt: async () => undefined },
    wakeups: { sendDelayed: async (wakeup: DeliveryWakeup, delayMs: number) => void woken.push({ ...wakeup, delayMs }) },
    waitList: {
      add: async () => undefined,
      page: async (_id: string, _opened: string, after?: string): Promise<Page<string>> => {
        const start = after === undefined ? 0 : Number(after);
        const items = Array.from({ length: Math.max(0, Math.min(PAGE, entries - start)) }, (_, k) => idOf(start + k));
        return start + PAGE < entries ? { items, cursor: String(start + PAGE) } : { items };
      },
    },
    deliveries: {
      release: async (deliveryId: string) => {
        const i = Number(deliveryId.slice(4, 8));
        return waiting.delete(i) ? { deliveryId, attempt: 2 } : undefined;
      },
    },
    subscriptions: {
      get: async () => {
        if (cache) return subscription(cache);
        reads += 1;
        return subscription(stored);
      },
      forget: () => void (cache = undefined),
    },
  } as unknown as Parameters<typeof releaseWaiting>[0] & Pick<SendDeps, 'subscriptions'>;
  return { deps, woken, reads: () => reads };
}

const closed: Circuit = { state: 'closed', since: closedAt, failures: 0, waiting: 0 };
const range = (from: number, to: number) => new Set(Array.from({ length: to - from }, (_, k) => from + k));
const release = { openedAt, closedAt };

describe('release on close', () => {
  it('wakes the first page that still waits, 50 ms apart at 20 a second, the last one carrying the release on', async () => {
    const w = world(60, range(0, 60), closed);
    const subscription = (await w.deps.subscriptions.get(SUB))!;
    expect(await releaseWaiting(w.deps, subscription, release, { deliveryId: idOf(999), attempt: 1 })).toBe(PAGE);
    expect(w.woken.map((x) => x.deliveryId)).toEqual(Array.from({ length: PAGE }, (_, i) => idOf(i)));
    expect(w.woken.map((x) => x.delayMs)).toEqual(Array.from({ length: PAGE }, (_, i) => i * 50));
    expect(w.woken.filter((x) => x.release)).toEqual([
      expect.objectContaining({ deliveryId: idOf(24), release: { ...release, after: '25' } }),
    ]);
  });

  it(`passes over at most ${PAGES_PER_CALL} pages of entries no longer waiting, and has the wake-up in hand carry on at once`, async () => {
    // 150 entries whose waits ended, then 10 that still wait.
    const w = world(160, range(150, 160), closed);
    const subscription = (await w.deps.subscriptions.get(SUB))!;
    const carrier = { deliveryId: idOf(999), attempt: 3, event: { type: 't', receivedAt: openedAt } };
    expect(await releaseWaiting(w.deps, subscription, release, carrier)).toBe(0);
    expect(w.woken).toEqual([
      { deliveryId: idOf(999), attempt: 3, delayMs: 0, release: { ...release, after: String(PAGES_PER_CALL * PAGE) } },
    ]);

    // That wake-up goes on from there: two more pages passed over, then the ten released, nothing left to carry.
    const { delayMs: _delay, ...next } = w.woken[0];
    w.woken.length = 0;
    const own = await carryOnRelease(w.deps, next);
    expect(own).toEqual({ deliveryId: idOf(999), attempt: 3 });
    expect(w.woken.map((x) => x.deliveryId)).toEqual(Array.from({ length: 10 }, (_, i) => idOf(150 + i)));
    expect(w.woken.some((x) => x.release)).toBe(false);
  });

  it('reads a cached subscription from before the close again, and releases once it is seen closed', async () => {
    const probing: Circuit = { state: 'probing', since: openedAt, failures: 0, waiting: 40 };
    const w = world(10, range(0, 10), closed, probing);
    await carryOnRelease(w.deps, { deliveryId: idOf(999), attempt: 1, release });
    expect(w.reads()).toBe(1);
    expect(w.woken).toHaveLength(10);
  });

  it("the probe that closes the circuit releases the list of the opening it closed as stored, not its cached copy's", async () => {
    // The sender's cached subscription names an older opening; the stored circuit, the one it closes, is `openedAt`'s.
    const older = iso(t0 - 7_200_000);
    const w = world(10, range(0, 10), closed);
    const pagesOf: string[] = [];
    const page = w.deps.waitList.page.bind(w.deps.waitList);
    w.deps.waitList.page = (id, opened, after) => (pagesOf.push(opened), page(id, opened, after));
    const deps = {
      ...w.deps,
      circuitPolicy: { slowAfterMs: 2_500, slowForMs: 600_000, firstProbeMs: 30_000, maxProbeMs: 600_000 },
      circuits: { close: async () => ({ openedAt }) },
      notifier: { notify: async () => undefined },
    } as unknown as Parameters<typeof updateCircuit>[0];
    const concluded = {
      subscription: { id: SUB, url: 'https://receiver.example/hook', status: 'active', circuit: { state: 'probing', since: older } },
      probe: true,
      attempt: { outcome: 'delivered', statusCode: 200, durationMs: 5 },
      wakeup: { deliveryId: idOf(999), attempt: 1 },
      fields: {},
    } as unknown as Concluded;
    await updateCircuit(deps, concluded);
    expect(pagesOf).toEqual([openedAt]);
    expect(w.woken).toHaveLength(10);
  });

  it('releases nothing while the circuit is open again, or once the close is older than the longest wait', async () => {
    const reopened = world(10, range(0, 10), { state: 'open', since: iso(t0 - 500), failures: 0, waiting: 1 });
    expect(await carryOnRelease(reopened.deps, { deliveryId: idOf(999), attempt: 1, release })).toEqual({
      deliveryId: idOf(999),
      attempt: 1,
    });
    expect(reopened.woken).toEqual([]);

    const late = world(10, range(0, 10), closed, closed, Date.parse(closedAt) + LONGEST_CIRCUIT_WAIT_MS + 1);
    await carryOnRelease(late.deps, { deliveryId: idOf(999), attempt: 1, release });
    expect(late.woken).toEqual([]);
  });
});
