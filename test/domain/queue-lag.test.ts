// The senders' lateness tells the sweeper, on SQS, which overdue deliveries still wait in the queue:
// reported at most every half minute per sender, the largest lateness seen; read as a hold on what is
// overdue by less than it; and worth nothing once stale.
import { describe, expect, it } from 'vitest';
import { silentLog } from '../../lambdas/domain/log';
import { LaggingQueues, LagReporter, latenessOf, type QueueLag, type QueueLagStore } from '../../lambdas/domain/queue-lag';
import { sweepOverdue } from '../../lambdas/domain/sweep';
import type { Lane } from '../../lambdas/domain/lanes';
import type { Delivery, DeliveryWakeup } from '../../lambdas/domain/types';

const t0 = Date.parse('2026-11-30T10:00:00.000Z');
const MINUTE = 60_000;

function clockAt(ms: { now: number }) {
  return { now: () => new Date(ms.now) };
}

class MemoryLagStore implements QueueLagStore {
  readonly writes: Array<{ lane: Lane; lag: QueueLag }> = [];
  readonly lags = new Map<Lane, QueueLag>();
  failing = false;
  async record(lane: Lane, lag: QueueLag): Promise<void> {
    if (this.failing) throw new Error('throttled');
    this.writes.push({ lane, lag });
    this.lags.set(lane, lag);
  }
  async latest(lane: Lane): Promise<QueueLag | undefined> {
    return this.lags.get(lane);
  }
}

describe('lateness of one SQS record', () => {
  it('counts from the wakeAt attribute of a delayed wake-up, else from when it was sent', () => {
    expect(latenessOf({ SentTimestamp: String(t0), ApproximateFirstReceiveTimestamp: String(t0 + 7_000) })).toBe(7_000);
    expect(latenessOf({ SentTimestamp: String(t0), ApproximateFirstReceiveTimestamp: String(t0 + 607_000) }, String(t0 + 600_000))).toBe(
      7_000,
    );
    // Clocks of different hosts: never negative.
    expect(latenessOf({ SentTimestamp: String(t0 + 10), ApproximateFirstReceiveTimestamp: String(t0) })).toBe(0);
    expect(latenessOf({})).toBeUndefined();
  });
});

describe('a sender instance reporting its lateness', () => {
  it('writes the largest lateness seen, at most once per half minute, and never throws', async () => {
    const time = { now: t0 };
    const store = new MemoryLagStore();
    const reporter = new LagReporter({ store, clock: clockAt(time), log: silentLog }, 'main');
    reporter.observe(2_000);
    reporter.observe(9_000);
    reporter.observe(4_000);
    await reporter.flush();
    time.now += 10_000;
    reporter.observe(20_000);
    await reporter.flush();
    expect(store.writes).toEqual([{ lane: 'main', lag: { lagMs: 9_000, at: new Date(t0).toISOString() } }]);
    time.now += 20_000;
    await reporter.flush();
    expect(store.writes[1]).toEqual({ lane: 'main', lag: { lagMs: 20_000, at: new Date(t0 + 30_000).toISOString() } });

    store.failing = true;
    time.now += 30_000;
    await expect(reporter.flush()).resolves.toBeUndefined();
  });
});

describe('the sweeper on SQS', () => {
  const overdue = (deliveryId: string, minutesLate: number, now: number): Delivery =>
    ({ deliveryId, status: 'pending', attemptCount: 1, nextAttemptAt: new Date(now - minutesLate * MINUTE).toISOString() }) as Delivery;

  async function sweepWith(store: MemoryLagStore, now: number, deliveries: Delivery[]) {
    const woken: DeliveryWakeup[] = [];
    const clock = clockAt({ now });
    const result = await sweepOverdue({
      deliveries: { listOverdue: async () => deliveries, watchUnsettled: async () => [] },
      fanoutLog: {
        eventIdsOf: async () => [],
        sweptUntil: async () => undefined,
        setSweptUntil: async () => undefined,
        createdAt: async () => undefined,
      },
      wakeups: {
        sendNow: async (w) => {
          woken.push(...w);
          return [];
        },
      },
      queued: new LaggingQueues({ store, clock }),
      clock,
      log: silentLog,
      graceMs: 5 * MINUTE,
    });
    return { result, woken: woken.map((w) => w.deliveryId) };
  }

  it('leaves to the queue what is overdue by less than the senders lately took wake-ups late, and wakes the rest', async () => {
    const now = t0 + 60 * MINUTE;
    const store = new MemoryLagStore();
    // The main lane was 12 minutes behind half a minute ago; the slow lane is not behind.
    store.lags.set('main', { lagMs: 12 * MINUTE, at: new Date(now - 30_000).toISOString() });
    store.lags.set('slow', { lagMs: 0, at: new Date(now - 30_000).toISOString() });
    const { result, woken } = await sweepWith(store, now, [overdue('a', 6, now), overdue('b', 12.5, now), overdue('c', 14, now)]);
    expect(woken).toEqual(['c']);
    expect(result).toMatchObject({ overdue: 3, held: 2, woken: 1 });
  });

  it('wakes everything overdue when no sender reported lately: there is no backlog to wait for', async () => {
    const now = t0 + 60 * MINUTE;
    const store = new MemoryLagStore();
    store.lags.set('main', { lagMs: 30 * MINUTE, at: new Date(now - 11 * MINUTE).toISOString() });
    const { result, woken } = await sweepWith(store, now, [overdue('a', 6, now), overdue('b', 20, now)]);
    expect(woken).toEqual(['a', 'b']);
    expect(result).toMatchObject({ held: 0, woken: 2 });
    expect((await sweepWith(new MemoryLagStore(), now, [overdue('a', 6, now)])).woken).toEqual(['a']);
  });
});
