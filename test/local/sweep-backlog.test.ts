// The sweeper under a backlog on the local runtime: an overdue delivery whose wake-up still waits
// in the deliveries queue (visible, delayed or being handled) is left to it; only one whose wake-up
// is gone is woken again. Both are counted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLog } from '../../lambdas/domain/log';
import type { MetricName, Metrics } from '../../lambdas/domain/metrics';
import { sweepOverdue } from '../../lambdas/domain/sweep';
import type { Delivery } from '../../lambdas/domain/types';
import { formatWakeup } from '../../lambdas/domain/wakeup-message';
import { LocalQueue } from '../../local/queue';
import { LocalWakeupQueue } from '../../local/wakeup-queue';

const NOW = Date.parse('2026-11-30T12:00:00.000Z');

function overdue(deliveryId: string, attemptCount: number): Delivery {
  return { deliveryId, status: 'pending', attemptCount, nextAttemptAt: new Date(NOW - 120_000).toISOString() } as Delivery;
}

describe('sweeper and the local deliveries queue', () => {
  let dir: string;
  let queue: LocalQueue;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'local-sweep-'));
    queue = LocalQueue.open({ name: 'deliveries', dir, visibilityTimeoutMs: 1000 });
  });
  afterEach(() => {
    queue.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('wakes only the overdue delivery whose wake-up is gone, and counts the ones it held back', async () => {
    const waiting = 'e1.sub_aaaaaaaaaaaaaaaaaaaa';
    const delayed = 'e2.sub_aaaaaaaaaaaaaaaaaaaa';
    const handled = 'e3.sub_aaaaaaaaaaaaaaaaaaaa';
    const lost = 'e4.sub_aaaaaaaaaaaaaaaaaaaa';
    queue.send(formatWakeup({ deliveryId: handled, attempt: 1 }));
    expect(queue.receive(1)).toHaveLength(1);
    queue.send(formatWakeup({ deliveryId: waiting, attempt: 1 }));
    queue.send(formatWakeup({ deliveryId: delayed, attempt: 3 }), { delayMs: 60_000 });
    const wakeups = new LocalWakeupQueue(queue);
    const counted: Array<[MetricName, number | undefined]> = [];
    const metrics: Metrics = { count: (name, value) => counted.push([name, value]), milliseconds: () => undefined };

    const result = await sweepOverdue({
      deliveries: {
        listOverdue: async () => [overdue(waiting, 0), overdue(delayed, 2), overdue(handled, 0), overdue(lost, 1)],
        watchUnsettled: async () => [],
      },
      fanoutLog: {
        eventIdsOf: async () => [],
        sweptUntil: async () => undefined,
        setSweptUntil: async () => undefined,
        createdAt: async () => undefined,
      },
      wakeups,
      queued: wakeups,
      clock: { now: () => new Date(NOW) },
      log: silentLog,
      metrics,
      graceMs: 60_000,
    });

    expect(result).toEqual({ overdue: 4, held: 3, woken: 1, failed: 0 });
    const bodies = queue.messages().map((m) => m.body);
    expect(bodies.filter((b) => b.includes(lost))).toEqual([formatWakeup({ deliveryId: lost, attempt: 2 })]);
    expect(bodies).toHaveLength(4);
    expect(counted).toEqual([
      ['SweeperRecoveries', 1],
      ['SweeperWakeupsHeld', 3],
    ]);
  });
});
