import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLog } from '../../lambdas/domain/log';
import { QueuePoller, type SqsHandler } from '../../local/poller';
import { LocalQueue } from '../../local/queue';
import { sleep, until } from '../support/wait';

/** A handler whose every batch takes `ms`: the sizes of the batches it got, and the most it ran at once. */
function batchesTaking(ms: number): { handler: SqsHandler; sizes: number[]; peak(): number } {
  const sizes: number[] = [];
  let running = 0;
  let peak = 0;
  const handler: SqsHandler = async (event) => {
    running += 1;
    peak = Math.max(peak, running);
    sizes.push(event.Records.length);
    await sleep(ms);
    running -= 1;
  };
  return { handler, sizes, peak: () => peak };
}

describe('queue poller (the SQS event source mapping)', () => {
  let dir: string;
  let queue: LocalQueue;
  const pollers: QueuePoller[] = [];

  const poll = (handler: SqsHandler, concurrency = 1) => {
    const poller = new QueuePoller({
      queue,
      handler,
      concurrency,
      batchSize: 10,
      queueArn: 'arn:aws:sqs:local:000000000000:work',
      region: 'local',
      log: silentLog,
    });
    pollers.push(poller);
    poller.start();
    return poller;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'local-poller-'));
    queue = LocalQueue.open({ name: 'work', dir, visibilityTimeoutMs: 150 });
  });
  afterEach(async () => {
    await Promise.all(pollers.splice(0).map((p) => p.stop()));
    queue.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands the handler a Lambda-shaped SQS event and deletes what it processed', async () => {
    const events: SQSEvent[] = [];
    const sent = queue.send('{"id":1}', { attributes: { reason: { DataType: 'String', StringValue: 'why' } }, groupId: 'sub_x' });
    poll(async (event) => {
      events.push(event);
      return { batchItemFailures: [] };
    });
    await until(() => events.length === 1 && queue.messages().length === 0);
    const [record] = events[0].Records;
    expect(record).toMatchObject({
      messageId: sent.id,
      body: '{"id":1}',
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(sent.sentAt), SenderId: 'local', MessageGroupId: 'sub_x' },
      messageAttributes: { reason: { dataType: 'String', stringValue: 'why', stringListValues: [], binaryListValues: [] } },
      md5OfBody: createHash('md5').update('{"id":1}').digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:local:000000000000:work',
      awsRegion: 'local',
    });
  });

  it('gives batches of at most 10 and runs at most `concurrency` batches at once', async () => {
    for (let i = 0; i < 45; i += 1) queue.send(`m${i}`);
    const batches = batchesTaking(40);
    poll(batches.handler, 3);
    await until(() => queue.messages().length === 0);
    expect(batches.sizes.reduce((a, b) => a + b, 0)).toBe(45);
    expect(Math.max(...batches.sizes)).toBe(10);
    expect(batches.peak()).toBe(3);
  });

  it('runs one batch at a time while messages come one by one, and more only while a backlog waits', async () => {
    const batches = batchesTaking(20);
    poll(batches.handler, 3);
    // A trickle, faster than one batch at a time is handled, but never a full batch waiting (8 in
    // all): three idle workers would take a message each; one takes what has come meanwhile.
    for (let i = 0; i < 8; i += 1) {
      queue.send(`trickle-${i}`);
      await sleep(5);
    }
    await until(() => queue.messages().length === 0);
    expect(batches.peak()).toBe(1);
    // A backlog: full batches wake the other workers.
    for (let i = 0; i < 60; i += 1) queue.send(`burst-${i}`);
    await until(() => queue.messages().length === 0);
    expect(batches.peak()).toBe(3);
    expect(batches.sizes.reduce((a, b) => a + b, 0)).toBe(68);
  });

  it('retries only the reported batch item failures, after the visibility timeout, with the receive count raised', async () => {
    const bad = queue.send('bad');
    queue.send('good');
    const seen: Array<{ body: string; count: string; at: number }> = [];
    poll(async (event) => {
      for (const r of event.Records) seen.push({ body: r.body, count: r.attributes.ApproximateReceiveCount, at: Date.now() });
      const failing = event.Records.filter((r) => r.body === 'bad' && r.attributes.ApproximateReceiveCount === '1');
      return { batchItemFailures: failing.map((r) => ({ itemIdentifier: r.messageId })) };
    });
    await until(() => seen.length === 3 && queue.messages().length === 0);
    expect(seen.map((s) => [s.body, s.count])).toEqual([
      ['bad', '1'],
      ['good', '1'],
      ['bad', '2'],
    ]);
    expect(seen[2].at - seen[0].at).toBeGreaterThanOrEqual(140);
    expect(queue.messages().find((m) => m.id === bad.id)).toBeUndefined();
  });

  it('retries the whole batch when the handler throws, or reports an item that is not in the batch', async () => {
    queue.send('a');
    queue.send('b');
    let calls = 0;
    const batches: string[][] = [];
    poll(async (event) => {
      calls += 1;
      batches.push(event.Records.map((r) => `${r.body}${r.attributes.ApproximateReceiveCount}`));
      if (calls === 1) throw new Error('storage down');
      if (calls === 2) return { batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] };
      return undefined;
    });
    await until(() => calls === 3 && queue.messages().length === 0);
    expect(batches).toEqual([
      ['a1', 'b1'],
      ['a2', 'b2'],
      ['a3', 'b3'],
    ]);
  });

  it('stops after the batches in flight have finished, and leaves the rest on the queue', async () => {
    queue.send('slow');
    let finished = false;
    const poller = poll(async () => {
      await sleep(200);
      finished = true;
    });
    await until(() => queue.depth().inFlight === 1);
    await poller.stop();
    expect(finished).toBe(true);
    expect(queue.messages()).toEqual([]);

    queue.send('after stop');
    await sleep(50);
    expect(queue.depth()).toEqual({ visible: 1, delayed: 0, inFlight: 0 });
  });

  describe('records handed out as slots free (the senders)', () => {
    const pollRecords = (handler: SqsHandler, concurrency = 1) => {
      const poller = new QueuePoller({
        queue,
        handler,
        concurrency,
        batchSize: 10,
        queueArn: 'arn:aws:sqs:local:000000000000:work',
        region: 'local',
        log: silentLog,
        recordsAsSlotsFree: true,
      });
      pollers.push(poller);
      poller.start();
      return poller;
    };

    it('does not make healthy records wait for a hanging one: each is its own event and is deleted when done', async () => {
      queue.send('hang');
      for (let i = 0; i < 25; i += 1) queue.send(`quick${i}`);
      let release!: () => void;
      const hanging = new Promise<void>((resolve) => (release = resolve));
      const done: string[] = [];
      pollRecords(async (event) => {
        expect(event.Records).toHaveLength(1);
        const body = event.Records[0].body;
        if (body === 'hang') await hanging;
        done.push(body);
      });
      await until(() => done.length === 25);
      expect(done).not.toContain('hang');
      expect(queue.depth()).toEqual({ visible: 0, delayed: 0, inFlight: 1 });
      release();
      await until(() => queue.messages().length === 0);
    });

    it('runs at most concurrency x batch size records at once', async () => {
      for (let i = 0; i < 45; i += 1) queue.send(`m${i}`);
      let running = 0;
      let peak = 0;
      pollRecords(async () => {
        running += 1;
        peak = Math.max(peak, running);
        await sleep(40);
        running -= 1;
      }, 2);
      await until(() => queue.messages().length === 0);
      expect(peak).toBe(20);
    });

    it('retries a failed record alone, after the visibility timeout, with its receive count raised', async () => {
      queue.send('ok');
      queue.send('bad');
      const seen: string[] = [];
      pollRecords(async (event) => {
        const record = event.Records[0];
        seen.push(`${record.body}#${record.attributes.ApproximateReceiveCount}`);
        return { batchItemFailures: record.body === 'bad' && seen.length < 3 ? [{ itemIdentifier: record.messageId }] : [] };
      });
      await until(() => seen.includes('bad#2'));
      await until(() => queue.messages().length === 0);
      expect(seen.filter((s) => s.startsWith('ok'))).toEqual(['ok#1']);
    });

    it('stops after the records in flight have finished', async () => {
      queue.send('slow');
      let finished = false;
      const poller = pollRecords(async () => {
        await sleep(100);
        finished = true;
      });
      await until(() => queue.depth().inFlight === 1);
      await poller.stop();
      expect(finished).toBe(true);
      expect(queue.messages()).toHaveLength(0);
    });
  });
});
