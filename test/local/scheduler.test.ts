import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scheduleNameOf } from '../../lambdas/domain/delivery-id';
import { silentLog } from '../../lambdas/domain/log';
import { LocalScheduler } from '../../local/scheduler';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Records what the scheduler sends, with the time it was sent. */
function recordingTarget() {
  const sent: Array<{ body: string; at: number }> = [];
  return {
    sent,
    send(body: string) {
      sent.push({ body, at: Date.now() });
      return { id: String(sent.length), body, attributes: {}, sentAt: Date.now() };
    },
  };
}

async function until(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

describe('local scheduler', () => {
  let dir: string;
  const started: LocalScheduler[] = [];
  const wakeup = { deliveryId: '179.sub_aaaaaaaaaaaaaaaaaaaa', attempt: 3 };

  const start = (target = recordingTarget()) => {
    const scheduler = new LocalScheduler({ dir, target, log: silentLog });
    scheduler.start();
    started.push(scheduler);
    return { scheduler, target };
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'local-scheduler-'));
  });
  afterEach(() => {
    for (const scheduler of started.splice(0)) scheduler.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends the wake-up to its target at the scheduled time, then deletes the schedule', async () => {
    const { scheduler, target } = start();
    const at = Date.now() + 150;
    await scheduler.scheduleAt(wakeup, new Date(at));
    expect(readdirSync(dir)).toEqual([`${scheduleNameOf(wakeup.deliveryId, wakeup.attempt)}.json`]);
    expect(scheduler.size).toBe(1);
    await sleep(50);
    expect(target.sent).toEqual([]);

    await until(() => target.sent.length > 0);
    expect(target.sent[0].at).toBeGreaterThanOrEqual(at);
    expect(JSON.parse(target.sent[0].body)).toEqual(wakeup);
    expect(readdirSync(dir)).toEqual([]);
    expect(scheduler.size).toBe(0);
  });

  it('treats a second schedule of the same wake-up as done (deterministic name), even across instances', async () => {
    const { scheduler, target } = start();
    const at = new Date(Date.now() + 100);
    await scheduler.scheduleAt(wakeup, at);
    await scheduler.scheduleAt(wakeup, new Date(Date.now() + 50));
    const other = new LocalScheduler({ dir, target, log: silentLog });
    await other.scheduleAt(wakeup, at);
    expect(readdirSync(dir)).toHaveLength(1);

    await until(() => target.sent.length > 0);
    await sleep(150);
    expect(target.sent).toHaveLength(1);
  });

  it('fires a schedule that came due while it was not running, at start', async () => {
    const first = start();
    await first.scheduler.scheduleAt(wakeup, new Date(Date.now() + 100));
    await first.scheduler.scheduleAt({ ...wakeup, attempt: 4 }, new Date(Date.now() + 60_000));
    first.scheduler.stop();
    await sleep(150);
    expect(first.target.sent).toEqual([]);

    const second = start();
    expect(second.scheduler.size).toBe(2);
    await until(() => second.target.sent.length > 0);
    expect(JSON.parse(second.target.sent[0].body)).toEqual(wakeup);
    await sleep(50);
    expect(second.target.sent).toHaveLength(1);
    expect(readdirSync(dir)).toEqual([`${scheduleNameOf(wakeup.deliveryId, 4)}.json`]);
  });

  it('ignores leftovers of an interrupted create and unreadable files without failing', async () => {
    writeFileSync(join(dir, 'attempt-x-1.json.123.tmp'), '{"na');
    writeFileSync(join(dir, 'attempt-y-1.json'), 'not json');
    const { scheduler } = start();
    expect(scheduler.size).toBe(0);
    expect(readdirSync(dir)).toEqual(['attempt-y-1.json']);
  });

  it('keeps trying when its target refuses a due wake-up, and sends it once the target takes it', async () => {
    const target = recordingTarget();
    let refuse = true;
    const flaky = {
      send(body: string) {
        if (refuse) throw new Error('queue closed');
        return target.send(body);
      },
    };
    const { scheduler } = start(flaky as ReturnType<typeof recordingTarget>);
    await scheduler.scheduleAt(wakeup, new Date(Date.now() + 10));
    await sleep(100);
    expect(scheduler.size).toBe(1);
    refuse = false;
    await until(() => target.sent.length > 0, 3_000);
    expect(scheduler.size).toBe(0);
  });
});
