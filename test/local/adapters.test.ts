import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLog } from '../../lambdas/domain/log';
import { LocalDeadLetters } from '../../local/dead-letters';
import { LocalNotifier } from '../../local/notifier';
import { LocalParkedQueue } from '../../local/parked-queue';
import { LocalQueue } from '../../local/queue';
import { LocalWakeupQueue } from '../../local/wakeup-queue';

describe('local adapters of the domain ports', () => {
  let dir: string;
  let queue: LocalQueue;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'local-adapters-'));
    queue = LocalQueue.open({ name: 'q', dir, visibilityTimeoutMs: 100 });
  });
  afterEach(() => {
    queue.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('WakeupQueue sends wake-ups in the sender message format, delayed to the millisecond', async () => {
    const wakeups = new LocalWakeupQueue(queue);
    expect(
      await wakeups.sendNow([
        { deliveryId: '1.sub_aaaaaaaaaaaaaaaaaaaa', attempt: 1 },
        { deliveryId: '2.sub_aaaaaaaaaaaaaaaaaaaa', attempt: 1 },
      ]),
    ).toEqual([]);
    await wakeups.sendDelayed({ deliveryId: '3.sub_aaaaaaaaaaaaaaaaaaaa', attempt: 2 }, 250);
    const started = Date.now();
    expect(queue.receive(10).map((m) => m.body)).toEqual([
      '{"deliveryId":"1.sub_aaaaaaaaaaaaaaaaaaaa","attempt":1}',
      '{"deliveryId":"2.sub_aaaaaaaaaaaaaaaaaaaa","attempt":1}',
    ]);
    await queue.waitForMessages(1_000);
    expect(queue.receive(10).map((m) => m.body)).toEqual(['{"deliveryId":"3.sub_aaaaaaaaaaaaaaaaaaaa","attempt":2}']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(Date.now() - started).toBeLessThan(900);
  });

  it("WakeupQueue sends each wake-up in its subscription's message group; a redrive from the dead-letter queue keeps it", async () => {
    const dlq = LocalQueue.open({ name: 'q-dlq', dir, visibilityTimeoutMs: 100 });
    try {
      const wakeups = new LocalWakeupQueue(queue);
      await wakeups.sendNow([{ deliveryId: 'a.b.sub_aaaaaaaaaaaaaaaaaaaa', attempt: 1 }]);
      await wakeups.sendDelayed({ deliveryId: 'c.sub_bbbbbbbbbbbbbbbbbbbb', attempt: 2 }, 0);
      expect(queue.messages().map((m) => m.groupId)).toEqual(['sub_aaaaaaaaaaaaaaaaaaaa', 'sub_bbbbbbbbbbbbbbbbbbbb']);

      const [parked] = queue.messages();
      dlq.send(parked.body, { groupId: parked.groupId, attributes: { reason: { DataType: 'String', StringValue: 'x' } } });
      queue.delete([parked.id]);
      await new LocalParkedQueue(dlq, queue).visit(10, () => 'redrive');
      expect(dlq.messages()).toEqual([]);
      expect(queue.messages().find((m) => m.body === parked.body)).toMatchObject({ groupId: 'sub_aaaaaaaaaaaaaaaaaaaa', attributes: {} });
    } finally {
      dlq.close();
    }
  });

  it('WakeupQueue reports the wake-ups it could not send', async () => {
    const wakeups = new LocalWakeupQueue(queue);
    queue.close();
    const wakeup = { deliveryId: '1.sub_aaaaaaaaaaaaaaaaaaaa', attempt: 1 };
    expect(await wakeups.sendNow([wakeup])).toEqual([wakeup]);
    await expect(wakeups.sendDelayed(wakeup, 10)).rejects.toThrow(/closed/);
  });

  it('DeadLetters parks the body with the reason, source message id and time as attributes', async () => {
    const at = new Date('2026-11-20T08:13:46.000Z');
    await new LocalDeadLetters(queue, () => at).reject('not json', 'event is not valid JSON', 'm-1');
    expect(queue.messages()).toEqual([
      expect.objectContaining({
        body: 'not json',
        attributes: {
          reason: { DataType: 'String', StringValue: 'event is not valid JSON' },
          sourceMessageId: { DataType: 'String', StringValue: 'm-1' },
          rejectedAt: { DataType: 'String', StringValue: at.toISOString() },
        },
      }),
    ]);
  });

  it('Notifier logs each notice and keeps the latest hundred for GET /notifications', async () => {
    const warnings: unknown[] = [];
    const notifier = new LocalNotifier({ ...silentLog, warn: (message, fields) => void warnings.push({ message, fields }) });
    const notice = (n: number) => ({
      kind: 'subscription-disabled' as const,
      subscriptionId: `sub_${n}`,
      reason: 'failing' as const,
      url: 'https://example.com/***',
      at: new Date(n).toISOString(),
      detail: 'every attempt failed for 5 days',
    });
    for (let n = 1; n <= 101; n += 1) await notifier.notify(notice(n));
    expect(warnings).toHaveLength(101);
    expect(warnings[0]).toEqual({ message: 'support notification', fields: notice(1) });
    const kept = notifier.list();
    expect(kept).toHaveLength(100);
    expect(kept[0]).toEqual(notice(2));
    expect(kept[99]).toEqual(notice(101));
  });
});
