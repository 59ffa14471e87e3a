import { SendMessageBatchCommand, type SendMessageBatchCommandInput } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sqsEvent, startHarness, wakeupEvent, type Harness } from '../support/harness';
import { startReceiver, type Receiver } from '../support/receiver';

const GRACE_MS = 60_000;
const MIN = 60_000;
/**
 * The fan-out log is read by whole minutes: an event ingested a second into a minute is looked at
 * once that minute ended more than the grace period ago, i.e. after GRACE_MS + 59 s at the latest.
 */
const SETTLED = GRACE_MS + MIN;
const nothing = { events: 0, watched: 0, overdue: 0, held: 0, woken: 0, failed: 0 };

describe('sweeper handler', () => {
  let receiver: Receiver;
  // Fresh tables per test: the sweeper reads every pending delivery, so other tests' would show up.
  let h: Harness;
  let eventCounter = 0;

  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });
  beforeEach(async () => {
    receiver.requests.length = 0;
    receiver.respondWith(() => ({ status: 200 }));
    h = await startHarness({ SWEEP_GRACE_MS: String(GRACE_MS) });
    // One second into a minute, so the minute arithmetic below is exact.
    h.clock.advance(MIN - (h.clock.now().getTime() % MIN) + 1000);
  });
  afterEach(async () => {
    await h.close();
  });

  async function subscribe(path: string): Promise<string> {
    const { subscription } = (await h.subscriptions({ action: 'create', url: `${receiver.url}${path}` })) as {
      subscription: { id: string };
    };
    return subscription.id;
  }

  /**
   * Ingests one event for each given subscription and forgets the wake-ups it queued, as if SQS had
   * lost them: only the sweeper can bring these deliveries to the sender now.
   */
  async function lostDeliveries(count = 1): Promise<string[]> {
    const subscriptionId = await subscribe(`/lost-${eventCounter}`);
    const bodies = Array.from({ length: count }, () => JSON.stringify({ id: `ev-${(eventCounter += 1)}`, type: 'donation' }));
    expect((await h.ingest(sqsEvent(bodies))).batchItemFailures).toEqual([]);
    const ids = bodies.map((b) => `${(JSON.parse(b) as { id: string }).id}.${subscriptionId}`);
    expect(
      h
        .queued()
        .map((w) => w.deliveryId)
        .sort(),
    ).toEqual([...ids].sort());
    h.sqs.resetHistory();
    return ids;
  }

  it('wakes a delivery whose first wake-up was lost, once its fan-out minute is past the grace period', async () => {
    const [deliveryId] = await lostDeliveries();

    // Never attempted, so stored only in its event's plan until the sweeper looks at the event.
    h.clock.advance(SETTLED - 2000);
    expect(await h.sweeper()).toEqual(nothing);
    expect(h.queued()).toEqual([]);
    expect(await h.deliveries.get(deliveryId)).toMatchObject({ status: 'pending', attemptCount: 0 });

    h.clock.advance(2000);
    expect(await h.sweeper()).toEqual({ events: 1, watched: 1, overdue: 1, held: 0, woken: 1, failed: 0 });
    expect(h.queued()).toEqual([{ deliveryId, attempt: 1 }]);
    expect(h.log.lines.some((l) => l.level === 'warn' && /put under watch/.test(l.message))).toBe(true);
    expect(h.log.lines.some((l) => l.level === 'warn' && /overdue deliveries woken/.test(l.message))).toBe(true);

    // The woken delivery goes through, and is not swept again after that.
    expect((await h.sender(wakeupEvent(h.queued()))).batchItemFailures).toEqual([]);
    expect(await h.deliveries.get(deliveryId)).toMatchObject({ status: 'delivered', attemptCount: 1 });
    h.sqs.resetHistory();
    h.clock.advance(60 * MIN);
    expect(await h.sweeper()).toEqual(nothing);
    expect(h.queued()).toEqual([]);
  });

  it('never re-queues delivered or failed deliveries', async () => {
    const limited = await startHarness({ SWEEP_GRACE_MS: String(GRACE_MS), MAX_ATTEMPTS: '1' });
    try {
      const ok = await limited.subscriptions({ action: 'create', url: `${receiver.url}/ok` });
      const bad = await limited.subscriptions({ action: 'create', url: `${receiver.url}/bad` });
      const [okId, badId] = [ok, bad].map((r) => (r as { subscription: { id: string } }).subscription.id);
      receiver.respondWith((req) => ({ status: req.path === '/ok' ? 200 : 500 }));
      await limited.ingest(sqsEvent([JSON.stringify({ id: 'done-1', type: 'donation' })]));
      expect((await limited.sender(wakeupEvent(limited.queued()))).batchItemFailures).toEqual([]);
      expect(await limited.deliveries.get(`done-1.${okId}`)).toMatchObject({ status: 'delivered' });
      expect(await limited.deliveries.get(`done-1.${badId}`)).toMatchObject({ status: 'failed', attemptCount: 1 });

      limited.sqs.resetHistory();
      limited.clock.advance(SETTLED);
      expect(await limited.sweeper()).toEqual({ ...nothing, events: 1 });
      limited.clock.advance(24 * 60 * MIN);
      expect(await limited.sweeper()).toEqual(nothing);
      expect(limited.queued()).toEqual([]);
      expect(receiver.requests).toHaveLength(2);
    } finally {
      await limited.close();
    }
  });

  it('re-queues a delivery whose claim lease ran out with the same attempt number, and the sender completes it', async () => {
    const [deliveryId] = await lostDeliveries();
    // A sender claimed attempt 1 and died before recording anything.
    const claimedAt = h.clock.now();
    const claimed = await h.deliveries.claimAttempt(
      { deliveryId: deliveryId, attempt: 1 },
      claimedAt.toISOString(),
      new Date(claimedAt.getTime() + 5_000).toISOString(),
      { eventType: 'donation', createdAt: claimedAt.toISOString() },
    );
    expect(claimed).toMatchObject({ attemptCount: 1 });

    h.clock.advance(SETTLED);
    expect(await h.sweeper()).toEqual({ events: 1, watched: 1, overdue: 1, held: 0, woken: 1, failed: 0 });
    const queued = h.queued();
    expect(queued).toEqual([{ deliveryId, attempt: 1 }]);

    expect((await h.sender(wakeupEvent(queued))).batchItemFailures).toEqual([]);
    expect(receiver.requests).toHaveLength(1);
    expect(await h.deliveries.get(deliveryId)).toMatchObject({ status: 'delivered', attemptCount: 1 });
    expect((await h.deliveries.listAttempts(deliveryId)).map((a) => [a.number, a.trigger, a.outcome])).toEqual([
      [1, 'initial', 'delivered'],
    ]);
  });

  it('leaves a delivery alone while a sender holds a live lease on it', async () => {
    const [deliveryId] = await lostDeliveries();
    const claimedAt = h.clock.now();
    await h.deliveries.claimAttempt(
      { deliveryId: deliveryId, attempt: 1 },
      claimedAt.toISOString(),
      new Date(claimedAt.getTime() + 10 * MIN).toISOString(),
      { eventType: 'donation', createdAt: claimedAt.toISOString() },
    );

    // Put under watch, due when the lease runs out: not woken while it is live.
    h.clock.advance(SETTLED);
    expect(await h.sweeper()).toEqual({ ...nothing, events: 1, watched: 1 });
    h.clock.advance(10 * MIN + GRACE_MS - SETTLED);
    expect(await h.sweeper()).toEqual(nothing);
    expect(h.queued()).toEqual([]);

    // Once the lease has run out (and the grace period), the same attempt is handed out again.
    h.clock.advance(1);
    expect(await h.sweeper()).toEqual({ ...nothing, overdue: 1, woken: 1 });
    expect(h.queued()).toEqual([{ deliveryId, attempt: 1 }]);
  });

  it('re-queues a lost retry wake-up only once it is overdue by the grace period, as the next attempt', async () => {
    receiver.respondWith(() => ({ status: 500 }));
    const [deliveryId] = await lostDeliveries();
    expect((await h.sender(wakeupEvent([{ deliveryId: deliveryId, attempt: 1 }]))).batchItemFailures).toEqual([]);
    const failed = await h.deliveries.get(deliveryId);
    expect(failed).toMatchObject({ status: 'pending', attemptCount: 1, nextTrigger: 'retry' });
    const dueAt = Date.parse(failed!.nextAttemptAt!);
    expect(dueAt - h.clock.now().getTime()).toBe(5 * MIN);
    // The delayed wake-up the sender queued for attempt 2 is lost.
    expect(h.queued()).toEqual([{ deliveryId, attempt: 2, delaySeconds: 300 }]);
    h.sqs.resetHistory();

    // Watched since its failed attempt. Not yet due, then due but within the grace period: nothing.
    h.clock.advance(SETTLED);
    expect(await h.sweeper()).toEqual({ ...nothing, events: 1 });
    h.clock.advance(dueAt + GRACE_MS - h.clock.now().getTime());
    expect(await h.sweeper()).toEqual(nothing);
    expect(h.queued()).toEqual([]);

    h.clock.advance(1);
    expect(await h.sweeper()).toEqual({ ...nothing, overdue: 1, woken: 1 });
    const queued = h.queued();
    expect(queued).toEqual([{ deliveryId, attempt: 2 }]);

    receiver.respondWith(() => ({ status: 200 }));
    expect((await h.sender(wakeupEvent(queued))).batchItemFailures).toEqual([]);
    expect(await h.deliveries.get(deliveryId)).toMatchObject({ status: 'delivered', attemptCount: 2 });
    expect((await h.deliveries.listAttempts(deliveryId)).map((a) => [a.number, a.trigger])).toEqual([
      [1, 'initial'],
      [2, 'retry'],
    ]);
  });

  it('counts overdue, woken and failed wake-ups, and retries the failed ones on its next run', async () => {
    const ids = await lostDeliveries(13);
    // One with a live lease: not counted as overdue.
    const held = ids.pop();
    const origin = { eventType: 'donation', createdAt: h.clock.now().toISOString() };
    await h.deliveries.claimAttempt(
      { deliveryId: held!, attempt: 1 },
      h.clock.now().toISOString(),
      new Date(h.clock.now().getTime() + 60 * MIN).toISOString(),
      origin,
    );

    h.sqs.on(SendMessageBatchCommand).callsFakeOnce((input: SendMessageBatchCommandInput) => ({
      Successful: input.Entries!.slice(1).map((e) => ({ Id: e.Id, MessageId: 'm', MD5OfMessageBody: '' })),
      Failed: input.Entries!.slice(0, 1).map((e) => ({ Id: e.Id, SenderFault: false, Code: 'InternalError', Message: 'try again' })),
    }));
    h.clock.advance(SETTLED);
    expect(await h.sweeper()).toEqual({ events: 13, watched: 13, overdue: 12, held: 0, woken: 11, failed: 1 });
    const batches = h.sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries!.length);
    expect(batches).toEqual([10, 2]);
    expect(
      h
        .queued()
        .map((w) => w.deliveryId)
        .sort(),
    ).toEqual([...ids].sort());
    expect(h.queued().every((w) => w.attempt === 1)).toBe(true);

    // Nothing was claimed meanwhile, so every one is still overdue and woken again. (No resetHistory
    // here: sinon would count calls from zero again and replay the one-time failure.)
    const sent = h.queued().length;
    expect(await h.sweeper()).toEqual({ ...nothing, overdue: 12, woken: 12 });
    expect(
      h
        .queued()
        .slice(sent)
        .map((w) => w.deliveryId)
        .sort(),
    ).toEqual([...ids].sort());
  });

  it('fails the run when the deliveries queue cannot be reached, so the schedule shows the error', async () => {
    await lostDeliveries();
    h.sqs.on(SendMessageBatchCommand).rejectsOnce(Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable' }));
    h.clock.advance(SETTLED);
    await expect(h.sweeper()).rejects.toThrow(/Service unavailable/);
    // The minute was done before the send failed; the delivery is watched and woken by the next run.
    expect(await h.sweeper()).toEqual({ ...nothing, overdue: 1, woken: 1 });
  });

  it('reads each fan-out minute once, and catches up from its checkpoint after a pause', async () => {
    const [first] = await lostDeliveries();
    h.clock.advance(SETTLED);
    expect(await h.sweeper()).toMatchObject({ events: 1, watched: 1, woken: 1 });
    // The sender takes it; later runs do not look at that minute again.
    expect((await h.sender(wakeupEvent(h.queued()))).batchItemFailures).toEqual([]);
    h.sqs.resetHistory();
    expect(await h.sweeper()).toEqual(nothing);

    // The sweeper stops for three hours while events keep coming, each first wake-up lost.
    const later: string[] = [];
    for (let hour = 0; hour < 3; hour += 1) {
      const id = `ev-${(eventCounter += 1)}`;
      expect((await h.ingest(sqsEvent([JSON.stringify({ id, type: 'donation' })]))).batchItemFailures).toEqual([]);
      later.push(`${id}.${first.split('.')[1]}`);
      h.sqs.resetHistory();
      h.clock.advance(60 * MIN);
    }
    // At most 120 minutes per run: the next run takes the first two hours, the one after the rest.
    expect(await h.sweeper()).toMatchObject({ events: 2, watched: 2, woken: 2 });
    expect(await h.sweeper()).toMatchObject({ events: 1, watched: 1 });
    expect(new Set(h.queued().map((w) => w.deliveryId))).toEqual(new Set(later));
    expect(later).not.toContain(first);
  });
});
