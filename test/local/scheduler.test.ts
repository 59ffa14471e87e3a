import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scheduleNameOf } from '../../lambdas/domain/delivery-id';
import { silentLog } from '../../lambdas/domain/log';
import { LocalScheduler } from '../../local/scheduler';
import { ManualClock } from '../support/manual-clock';

/** Records what the scheduler sends, with the time it was sent. */
function recordingTarget(clock: ManualClock) {
  const sent: Array<{ body: string; at: number }> = [];
  return {
    sent,
    send(body: string) {
      sent.push({ body, at: clock.now() });
      return { id: String(sent.length), body, attributes: {}, sentAt: clock.now() };
    },
  };
}

// On a clock the test moves: each schedule fires exactly when time passes it, never early, never late.
describe('local scheduler', () => {
  let dir: string;
  let clock: ManualClock;
  const started: LocalScheduler[] = [];
  const wakeup = { deliveryId: '179.sub_aaaaaaaaaaaaaaaaaaaa', attempt: 3 };

  const start = (target = recordingTarget(clock)) => {
    const scheduler = new LocalScheduler({ dir, target, log: silentLog, clock });
    scheduler.start();
    started.push(scheduler);
    return { scheduler, target };
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'local-scheduler-'));
    clock = new ManualClock();
  });
  afterEach(() => {
    for (const scheduler of started.splice(0)) scheduler.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends the wake-up to its target at the scheduled time, then deletes the schedule', async () => {
    const { scheduler, target } = start();
    const at = clock.now() + 150;
    await scheduler.scheduleAt(wakeup, new Date(at));
    expect(readdirSync(dir)).toEqual([`${scheduleNameOf(wakeup.deliveryId, wakeup.attempt)}.json`]);
    expect(scheduler.size).toBe(1);
    clock.advance(149);
    expect(target.sent).toEqual([]);

    clock.advance(1);
    expect(target.sent).toHaveLength(1);
    expect(target.sent[0].at).toBe(at);
    expect(JSON.parse(target.sent[0].body)).toEqual(wakeup);
    expect(readdirSync(dir)).toEqual([]);
    expect(scheduler.size).toBe(0);
  });

  it('treats a second schedule of the same wake-up as done (deterministic name), even across instances', async () => {
    const { scheduler, target } = start();
    const at = new Date(clock.now() + 100);
    await scheduler.scheduleAt(wakeup, at);
    await scheduler.scheduleAt(wakeup, new Date(clock.now() + 50));
    const other = new LocalScheduler({ dir, target, log: silentLog, clock });
    await other.scheduleAt(wakeup, at);
    expect(readdirSync(dir)).toHaveLength(1);

    clock.advance(50);
    expect(target.sent).toEqual([]);
    clock.advance(50);
    expect(target.sent).toHaveLength(1);
    clock.advance(60_000);
    expect(target.sent).toHaveLength(1);
    expect(clock.timers).toBe(0);
  });

  it('fires a schedule that came due while it was not running, at start', async () => {
    const first = start();
    await first.scheduler.scheduleAt(wakeup, new Date(clock.now() + 100));
    await first.scheduler.scheduleAt({ ...wakeup, attempt: 4 }, new Date(clock.now() + 60_000));
    first.scheduler.stop();
    expect(clock.timers).toBe(0);
    clock.advance(150);
    expect(first.target.sent).toEqual([]);

    const second = start();
    expect(second.scheduler.size).toBe(2);
    clock.advance(0);
    expect(second.target.sent).toHaveLength(1);
    expect(JSON.parse(second.target.sent[0].body)).toEqual(wakeup);
    clock.advance(59_849);
    expect(second.target.sent).toHaveLength(1);
    expect(readdirSync(dir)).toEqual([`${scheduleNameOf(wakeup.deliveryId, 4)}.json`]);
    clock.advance(1);
    expect(second.target.sent).toHaveLength(2);
  });

  it('ignores leftovers of an interrupted create and unreadable files without failing', () => {
    writeFileSync(join(dir, 'attempt-x-1.json.123.tmp'), '{"na');
    writeFileSync(join(dir, 'attempt-y-1.json'), 'not json');
    const { scheduler } = start();
    expect(scheduler.size).toBe(0);
    expect(readdirSync(dir)).toEqual(['attempt-y-1.json']);
  });

  it('keeps trying when its target refuses a due wake-up, and sends it once the target takes it', async () => {
    const target = recordingTarget(clock);
    let refuse = true;
    let tries = 0;
    const flaky = {
      send(body: string) {
        tries += 1;
        if (refuse) throw new Error('queue closed');
        return target.send(body);
      },
    };
    const { scheduler } = start(flaky as ReturnType<typeof recordingTarget>);
    await scheduler.scheduleAt(wakeup, new Date(clock.now() + 10));
    clock.advance(10);
    expect(tries).toBe(1);
    clock.advance(5_000);
    expect(tries).toBeGreaterThan(1);
    expect(scheduler.size).toBe(1);
    expect(target.sent).toEqual([]);
    refuse = false;
    clock.advance(5_000);
    expect(target.sent).toHaveLength(1);
    expect(scheduler.size).toBe(0);
  });
});
