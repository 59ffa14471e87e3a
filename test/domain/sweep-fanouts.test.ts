// The fan-out pass of the sweeper against an in-memory log: which minutes it reads, and where it
// resumes after a pause or a failure.
import { describe, expect, it } from 'vitest';
import { silentLog } from '../../lambdas/domain/log';
import type { FanoutLog } from '../../lambdas/domain/ports';
import { FIRST_SWEEP_LOOKBACK_MS, minuteOf, sweep, sweepFanouts, type SweepDeps } from '../../lambdas/domain/sweep';

const MIN = 60_000;
const GRACE = 10 * MIN;
const T0 = Date.parse('2026-11-27T12:00:00.000Z');

class MemoryLog implements Pick<FanoutLog, 'eventIdsOf' | 'sweptUntil' | 'setSweptUntil' | 'createdAt'> {
  readonly byMinute = new Map<string, string[]>();
  readonly read: string[] = [];
  checkpoint: string | undefined;
  created: string | undefined;
  failOn: string | undefined;
  add(at: number, ...ids: string[]) {
    const minute = minuteOf(new Date(at));
    this.byMinute.set(minute, [...(this.byMinute.get(minute) ?? []), ...ids]);
  }
  async eventIdsOf(minute: string) {
    if (minute === this.failOn) throw new Error('throttled');
    this.read.push(minute);
    return this.byMinute.get(minute) ?? [];
  }
  async sweptUntil() {
    return this.checkpoint;
  }
  async setSweptUntil(minute: string) {
    this.checkpoint = minute;
  }
  async createdAt() {
    return this.created;
  }
}

function deps(
  log: MemoryLog,
  now: number,
  watchedOf: (eventId: string) => string[] = (id) => [`${id}.sub_aaaaaaaaaaaaaaaaaaaa`],
): SweepDeps {
  return {
    deliveries: { listOverdue: async () => [], watchUnsettled: async (eventId) => watchedOf(eventId) },
    fanoutLog: log,
    wakeups: { sendNow: async () => [] },
    clock: { now: () => new Date(now) },
    log: silentLog,
    graceMs: GRACE,
  };
}

describe('sweepFanouts', () => {
  it('reads whole minutes that ended more than the grace period ago, each once', async () => {
    const log = new MemoryLog();
    log.add(T0 + 5_000, 'a', 'b');
    log.add(T0 + MIN + 1_000, 'c');
    // 10 min 59 s after T0's minute ended: T0's minute is done, the next one is not.
    expect(await sweepFanouts(deps(log, T0 + MIN + GRACE + 59_000))).toEqual({ events: 2, watched: 2 });
    expect(log.checkpoint).toBe(new Date(T0 + MIN).toISOString());
    expect(await sweepFanouts(deps(log, T0 + 2 * MIN + GRACE))).toEqual({ events: 1, watched: 1 });
    expect(await sweepFanouts(deps(log, T0 + 2 * MIN + GRACE + 30_000))).toEqual({ events: 0, watched: 0 });
    expect(log.read.filter((m) => m === new Date(T0).toISOString())).toHaveLength(1);
  });

  it('starts an hour back on its first run, and catches up at most 120 minutes per run', async () => {
    const log = new MemoryLog();
    const now = T0 + GRACE;
    await sweepFanouts(deps(log, now));
    expect(log.read[0]).toBe(new Date(T0 - FIRST_SWEEP_LOOKBACK_MS).toISOString());
    expect(log.read).toHaveLength(60);
    log.read.length = 0;
    await sweepFanouts(deps(log, now + 300 * MIN));
    expect(log.read).toHaveLength(120);
    expect(log.checkpoint).toBe(new Date(T0 + 120 * MIN).toISOString());
  });

  it('on its first run, looks back no further than the minute the log was created', async () => {
    const log = new MemoryLog();
    log.created = new Date(T0 - 2 * MIN + 30_000).toISOString();
    log.add(T0 - 2 * MIN + 40_000, 'a');
    expect(await sweepFanouts(deps(log, T0 + GRACE))).toEqual({ events: 1, watched: 1 });
    expect(log.read).toEqual([T0 - 2 * MIN, T0 - MIN].map((at) => new Date(at).toISOString()));
    expect(log.checkpoint).toBe(new Date(T0).toISOString());
  });

  it('with a checkpoint, resumes there whenever the log was created', async () => {
    const log = new MemoryLog();
    log.created = new Date(T0).toISOString();
    log.checkpoint = new Date(T0 - 3 * MIN).toISOString();
    await sweepFanouts(deps(log, T0 + GRACE));
    expect(log.read).toHaveLength(3);
  });

  it('after a failure part-way, keeps the minutes done and resumes at the one that failed', async () => {
    const log = new MemoryLog();
    log.checkpoint = new Date(T0).toISOString();
    log.add(T0, 'a');
    log.add(T0 + 2 * MIN, 'c');
    log.failOn = new Date(T0 + 2 * MIN).toISOString();
    await expect(sweepFanouts(deps(log, T0 + 5 * MIN + GRACE))).rejects.toThrow(/throttled/);
    expect(log.checkpoint).toBe(new Date(T0 + 2 * MIN).toISOString());
    log.failOn = undefined;
    expect(await sweepFanouts(deps(log, T0 + 5 * MIN + GRACE))).toEqual({ events: 1, watched: 1 });
  });
});

describe('sweep', () => {
  it('wakes overdue deliveries even when the fan-out pass fails, then reports the failure', async () => {
    const log = new MemoryLog();
    log.checkpoint = new Date(T0).toISOString();
    log.failOn = new Date(T0).toISOString();
    let overdueRead = 0;
    const d = deps(log, T0 + 5 * MIN + GRACE);
    d.deliveries.listOverdue = async () => {
      overdueRead += 1;
      return [];
    };
    await expect(sweep(d)).rejects.toThrow(/throttled/);
    expect(overdueRead).toBe(1);
  });

  it('stops the fan-out pass when its time budget is spent, keeping the minutes done', async () => {
    const log = new MemoryLog();
    log.checkpoint = new Date(T0).toISOString();
    for (let m = 0; m < 5; m += 1) log.add(T0 + m * MIN + 1_000, `e${m}`);
    let calls = 0;
    // Budget for three minutes' reads.
    const budget = { remainingMs: () => (calls++ < 3 ? 1 : 0) };
    expect(await sweep(deps(log, T0 + 5 * MIN + GRACE), budget)).toMatchObject({ events: 3, watched: 3 });
    expect(log.checkpoint).toBe(new Date(T0 + 3 * MIN).toISOString());
    expect(await sweep(deps(log, T0 + 5 * MIN + GRACE))).toMatchObject({ events: 2 });
  });
});
