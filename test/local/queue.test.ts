import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalQueue, type LocalQueueOptions } from '../../local/queue';
import { ManualClock } from '../support/manual-clock';

/** Whether `promise` has settled once pending callbacks have run (a timer never fires on a ManualClock by itself). */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('local queue', () => {
  let dir: string;
  const opened: LocalQueue[] = [];

  const open = (options: Partial<LocalQueueOptions> = {}): LocalQueue => {
    const queue = LocalQueue.open({ name: 'work', dir, visibilityTimeoutMs: 100, ...options });
    opened.push(queue);
    return queue;
  };
  const journalLines = (name = 'work') =>
    readFileSync(join(dir, `${name}.jsonl`), 'utf8')
      .split('\n')
      .filter((l) => l !== '');

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'local-queue-'));
  });
  afterEach(() => {
    for (const queue of opened.splice(0)) queue.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands out at most the batch size of visible messages, each once while in flight', () => {
    const queue = open();
    for (let i = 0; i < 12; i += 1) queue.send(`m${i}`);
    const first = queue.receive(10);
    expect(first).toHaveLength(10);
    const second = queue.receive(10);
    expect(second.map((m) => m.body).sort()).toEqual(['m10', 'm11']);
    expect(queue.receive(10)).toEqual([]);
    expect(queue.depth()).toEqual({ visible: 0, delayed: 0, inFlight: 12 });
    expect(first[0]).toMatchObject({ receiveCount: 1, attributes: {} });
    expect(first[0].sentAt).toBeLessThanOrEqual(Date.now());
  });

  it('holds a delayed message back until its delay has passed, and wakes a waiting consumer then', async () => {
    const clock = new ManualClock();
    const queue = open({ clock });
    const sent = queue.send('later', { delayMs: 150 });
    expect(queue.receive(10)).toEqual([]);
    expect(queue.depth()).toMatchObject({ delayed: 1 });
    const waiting = queue.waitForMessages(1_000);
    clock.advance(149);
    expect(queue.receive(10)).toEqual([]);
    expect(await settled(waiting)).toBe(false);
    clock.advance(2);
    expect(await settled(waiting)).toBe(true);
    const [message] = queue.receive(10);
    expect(message?.body).toBe('later');
    expect(message.sentAt).toBe(sent.sentAt);
  });

  it('wakes a waiting consumer as soon as a message is sent, before its wait is up', async () => {
    const clock = new ManualClock();
    const queue = open({ clock });
    const waiting = queue.waitForMessages(5_000);
    expect(await settled(waiting)).toBe(false);
    queue.send('now');
    // No time passes on this clock: only the send can have ended the wait.
    expect(await settled(waiting)).toBe(true);
    expect(queue.receive(1)[0]?.body).toBe('now');
  });

  it('ends a wait after its longest wait when nothing comes', async () => {
    const clock = new ManualClock();
    const queue = open({ clock });
    const waiting = queue.waitForMessages(5_000);
    clock.advance(4_999);
    expect(await settled(waiting)).toBe(false);
    clock.advance(1);
    expect(await settled(waiting)).toBe(true);
    expect(clock.timers).toBe(0);
  });

  it('deletes processed messages and brings failed ones back after the visibility timeout, counting receives', () => {
    const clock = new ManualClock();
    const queue = open({ visibilityTimeoutMs: 120, clock });
    const ok = queue.send('ok');
    const bad = queue.send('bad');
    queue.receive(10);
    queue.delete([ok.id]);
    queue.release([bad.id]);
    expect(queue.receive(10)).toEqual([]);
    expect(queue.depth()).toEqual({ visible: 0, delayed: 1, inFlight: 0 });
    clock.advance(119);
    expect(queue.receive(10)).toEqual([]);
    clock.advance(1);
    const again = queue.receive(10);
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ id: bad.id, body: 'bad', receiveCount: 2 });
    expect(queue.messages().map((m) => m.id)).toEqual([bad.id]);
  });

  it('moves a message received the maximum number of times to the dead-letter queue, with its id and attributes', async () => {
    const dlq = open({ name: 'work-dlq' });
    const moved: string[] = [];
    const queue = open({
      visibilityTimeoutMs: 5,
      redrive: { deadLetterQueue: dlq, maxReceiveCount: 5 },
      onDeadLetter: (m) => moved.push(m.id),
    });
    const poison = queue.send('poison', { attributes: { reason: { DataType: 'String', StringValue: 'x' } } });
    for (let receive = 1; receive <= 5; receive += 1) {
      await queue.waitForMessages(1_000);
      expect(queue.receive(10).map((m) => m.receiveCount)).toEqual([receive]);
      queue.release([poison.id]);
    }
    expect(dlq.depth().visible).toBe(0);
    await queue.waitForMessages(1_000);
    expect(queue.receive(10)).toEqual([]);
    expect(queue.depth()).toEqual({ visible: 0, delayed: 0, inFlight: 0 });
    expect(moved).toEqual([poison.id]);
    const [parked] = dlq.receive(10);
    expect(parked).toMatchObject({
      id: poison.id,
      body: 'poison',
      attributes: { reason: { DataType: 'String', StringValue: 'x' } },
      sentAt: poison.sentAt,
    });
  });

  it('keeps every unacknowledged message across a crash: a new instance on the same journal sees them', () => {
    const queue = open({ visibilityTimeoutMs: 60_000 });
    const deleted = queue.send('deleted');
    const inFlight = queue.send('in flight', { attributes: { k: { DataType: 'Number', StringValue: '7' } } });
    const failed = queue.send('failed');
    const waiting = queue.send('waiting');
    const delayed = queue.send('delayed', { delayMs: 60_000 });
    const received = queue.receive(3);
    expect(received.map((m) => m.id)).toEqual([deleted.id, inFlight.id, failed.id]);
    queue.delete([deleted.id]);
    queue.release([failed.id]);

    // No close(): the first instance is abandoned as a SIGKILL would leave it.
    const reopened = open({ visibilityTimeoutMs: 60_000 });
    expect(reopened.recovered).toMatchObject({ messages: 4, skippedRecords: 0 });
    const visible = reopened.receive(10);
    // In flight at the crash: visible again at once. Failed: still within its visibility timeout.
    expect(visible.map((m) => m.id).sort()).toEqual([inFlight.id, waiting.id].sort());
    expect(visible.find((m) => m.id === inFlight.id)).toMatchObject({
      body: 'in flight',
      attributes: { k: { DataType: 'Number', StringValue: '7' } },
      receiveCount: 2,
    });
    expect(reopened.depth()).toEqual({ visible: 0, delayed: 2, inFlight: 2 });
    expect(
      reopened
        .messages()
        .map((m) => m.id)
        .sort(),
    ).toEqual([inFlight.id, failed.id, waiting.id, delayed.id].sort());
  });

  it('keeps receive counts across restarts, so a message that keeps crashing the process is still redriven', () => {
    const dlq = open({ name: 'work-dlq' });
    const redrive = { deadLetterQueue: dlq, maxReceiveCount: 3 };
    const first = open({ visibilityTimeoutMs: 0, redrive });
    const message = first.send('flaky');
    first.receive(1);
    first.release([message.id]);
    expect(first.receive(1)[0]).toMatchObject({ id: message.id, receiveCount: 2 });

    // Crashed while the second receive was in flight, then again during the third.
    const second = open({ visibilityTimeoutMs: 0, redrive });
    expect(second.receive(1)[0]).toMatchObject({ id: message.id, receiveCount: 3 });
    const third = open({ visibilityTimeoutMs: 0, redrive });
    expect(third.receive(1)).toEqual([]);
    expect(dlq.receive(1)[0]?.id).toBe(message.id);
  });

  it('compacts the journal on open to one record per message still held', () => {
    const queue = open();
    const ids = Array.from({ length: 20 }, (_, i) => queue.send(`m${i}`).id);
    queue.receive(10);
    queue.delete(ids.slice(0, 8));
    queue.release(ids.slice(8, 10));
    expect(journalLines()).toHaveLength(20 + 1 + 8 + 2);
    queue.close();

    const reopened = open();
    const lines = journalLines().map((l) => JSON.parse(l) as { op: string; id: string });
    expect(lines).toHaveLength(12);
    expect(lines.every((l) => l.op === 'send')).toBe(true);
    expect(lines.map((l) => l.id).sort()).toEqual(ids.slice(8).sort());
    expect(reopened.depth().visible + reopened.depth().delayed).toBe(12);
  });

  it('drops a torn last journal line (a write cut short) and keeps the rest', () => {
    const queue = open();
    const kept = queue.send('kept');
    queue.close();
    appendFileSync(join(dir, 'work.jsonl'), '{"op":"send","id":"torn","bo');

    const reopened = open();
    expect(reopened.recovered).toMatchObject({ messages: 1, skippedRecords: 1 });
    expect(reopened.receive(10).map((m) => m.id)).toEqual([kept.id]);
  });

  it('refuses sends once closed, and an invalid delay', () => {
    const queue = open();
    expect(() => queue.send('x', { delayMs: -1 })).toThrow(RangeError);
    queue.close();
    expect(() => queue.send('x')).toThrow(/closed/);
  });
  describe('message groups (a fair queue: tenants served by their messages in flight)', () => {
    const bodies = (messages: Array<{ body: string }>) => messages.map((m) => m.body);

    it("serves a quiet group's message before a busy group's backlog, however much older the backlog is", () => {
      const queue = open();
      for (let i = 0; i < 100; i += 1) queue.send(`busy-${i}`, { groupId: 'sub_busy' });
      expect(bodies(queue.receive(5))).toEqual(['busy-0', 'busy-1', 'busy-2', 'busy-3', 'busy-4']);
      queue.send('quiet-0', { groupId: 'sub_quiet' });
      // The busy group has 5 in flight and the quiet one none: the quiet message goes first.
      expect(bodies(queue.receive(1))).toEqual(['quiet-0']);
      expect(bodies(queue.receive(1))).toEqual(['busy-5']);
    });

    it('takes turns within one batch between groups with equal messages in flight, oldest first', () => {
      const queue = open();
      for (let i = 0; i < 4; i += 1) queue.send(`a-${i}`, { groupId: 'a' });
      for (let i = 0; i < 4; i += 1) queue.send(`b-${i}`, { groupId: 'b' });
      expect(bodies(queue.receive(6))).toEqual(['a-0', 'b-0', 'a-1', 'b-1', 'a-2', 'b-2']);
    });

    it('counts a group as busy until its messages are deleted or released, then serves it again in turn', () => {
      const queue = open();
      for (let i = 0; i < 3; i += 1) queue.send(`a-${i}`, { groupId: 'a' });
      const [a0] = queue.receive(1);
      for (let i = 0; i < 3; i += 1) queue.send(`b-${i}`, { groupId: 'b' });
      expect(bodies(queue.receive(1))).toEqual(['b-0']);
      // One each in flight: the older message (a-1) goes first.
      expect(bodies(queue.receive(1))).toEqual(['a-1']);
      queue.delete([a0.id]);
      // a now holds one in flight and b one: the tie goes to the older message again.
      expect(bodies(queue.receive(1))).toEqual(['a-2']);
      expect(bodies(queue.receive(1))).toEqual(['b-1']);
    });

    it('never holds back a message without a group: each is a tenant of its own, as in SQS', () => {
      const queue = open();
      for (let i = 0; i < 20; i += 1) queue.send(`busy-${i}`, { groupId: 'busy' });
      queue.receive(10);
      queue.send('ungrouped-1');
      queue.send('ungrouped-2');
      expect(bodies(queue.receive(3))).toEqual(['ungrouped-1', 'ungrouped-2', 'busy-10']);
    });

    it('serves a delayed message of a quiet group as soon as it is visible, and not before', () => {
      const clock = new ManualClock();
      const queue = open({ clock });
      for (let i = 0; i < 10; i += 1) queue.send(`busy-${i}`, { groupId: 'busy' });
      queue.receive(1);
      queue.send('quiet', { groupId: 'quiet', delayMs: 100 });
      expect(bodies(queue.receive(1))).toEqual(['busy-1']);
      clock.advance(100);
      expect(bodies(queue.receive(1))).toEqual(['quiet']);
    });

    it('keeps a message group across a restart, on redelivery and into the dead-letter queue', () => {
      const deadLetterQueue = open({ name: 'dlq' });
      const queue = open({ redrive: { deadLetterQueue, maxReceiveCount: 1 } });
      queue.send('m', { groupId: 'sub_one' });
      const [received] = queue.receive(1);
      expect(received.groupId).toBe('sub_one');
      queue.close();

      const reopened = open({ redrive: { deadLetterQueue, maxReceiveCount: 1 } });
      expect(reopened.messages()).toEqual([expect.objectContaining({ body: 'm', groupId: 'sub_one' })]);
      // Received once already (before the crash): moved instead of handed out, with its group.
      expect(reopened.receive(1)).toEqual([]);
      expect(deadLetterQueue.parked()).toEqual([expect.objectContaining({ body: 'm', groupId: 'sub_one', receiveCount: 1 })]);
    });
  });
});
