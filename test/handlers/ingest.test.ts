import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { SendMessageBatchCommand, SendMessageCommand, type SendMessageBatchCommandInput } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import type { Delivery } from '../../lambdas/domain/types';
import { QUEUE_URL, sqsEvent, startHarness, wakeupEvent, type Harness } from '../support/harness';
import { startReceiver, type Receiver } from '../support/receiver';
import { sampleEvents } from '../support/samples';

/** Time for a redelivery to come back. */
const LATER_MS = 60_000;

// Every test gets its own tables: fan-out reaches every active subscription, so subscriptions of one
// test would receive the events of another.
let h: Harness;
const extra: Harness[] = [];

async function fresh(overrides: Record<string, string> = {}): Promise<Harness> {
  h = await startHarness(overrides);
  extra.push(h);
  return h;
}

afterEach(async () => {
  vi.restoreAllMocks();
  while (extra.length > 0) await extra.pop()!.close();
});

async function subscribe(harness: Harness, url: string, eventTypes?: string[]): Promise<string> {
  const request = eventTypes ? { action: 'create', url, eventTypes } : { action: 'create', url };
  const { subscription } = (await harness.subscriptions(request)) as { subscription: { id: string } };
  return subscription.id;
}

function failedIds(res: SQSBatchResponse): string[] {
  return res.batchItemFailures.map((f) => f.itemIdentifier);
}

function byId<T extends { deliveryId: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => (a.deliveryId < b.deliveryId ? -1 : a.deliveryId > b.deliveryId ? 1 : 0));
}

function wakeupsOf(deliveryIds: string[]) {
  return byId(deliveryIds.map((deliveryId) => ({ deliveryId, attempt: 1 })));
}

/** The same SQS record handed out again, as SQS does after a visibility timeout. */
function redelivery(event: SQSEvent, index = 0, receiveCount = 2): SQSEvent {
  const record = event.Records[index];
  return sqsEvent([{ body: record.body, messageId: record.messageId, receiveCount }]);
}

function batchCalls(harness: Harness) {
  return harness.sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);
}

/** Makes the next call of one DynamoDB command fail, as a crash or an outage at that point would. */
function failNext(harness: Harness, matches: (command: unknown) => boolean, times = 1): void {
  const send = harness.doc.send.bind(harness.doc) as (command: unknown) => Promise<unknown>;
  let left = times;
  // Only send's promise form is used, so the stub implements that one signature.
  const spy = vi.spyOn(harness.doc, 'send') as unknown as MockInstance<(command: unknown) => Promise<unknown>>;
  spy.mockImplementation((command) => {
    if (left > 0 && matches(command)) {
      left -= 1;
      return Promise.reject(Object.assign(new Error('Internal server error'), { name: 'InternalServerError' }));
    }
    return send(command);
  });
}

describe('ingest handler: fan-out', () => {
  it('fans every sample event out to each active subscription (paused: to each disabled one), keeping the body byte for byte', async () => {
    await fresh();
    const all1 = await subscribe(h, 'https://one.example.com/hook?secret=s3cr3t');
    const all2 = await subscribe(h, 'https://two.example.com/hook');
    const donationsOnly = await subscribe(h, 'https://three.example.com/hook', ['donation', 'contact_update']);
    const disabled = await subscribe(h, 'https://four.example.com/hook');
    await h.subscriptions({ action: 'disable', id: disabled });
    const deleted = await subscribe(h, 'https://five.example.com/hook');
    await h.subscriptions({ action: 'delete', id: deleted });

    const samples = sampleEvents();
    expect(samples.map((s) => s.type).sort()).toEqual(
      ['contact_update', 'donation', 'form_submission', 'form_submission_confirmed', 'payment_status_change'].sort(),
    );
    h.sqs.resetHistory();
    const res = await h.ingest(sqsEvent(samples.map((s) => s.body)));
    expect(res.batchItemFailures).toEqual([]);

    const now = h.clock.now().toISOString();
    const expectedIds: string[] = [];
    for (const sample of samples) {
      const stored = await h.deliveries.getEvent(sample.id);
      expect(stored?.body).toBe(sample.body);
      const subscribers = [all1, all2, ...(['donation', 'contact_update'].includes(sample.type) ? [donationsOnly] : [])];
      const deliveries = await h.deliveries.listByEvent(sample.id);
      // A disabled subscription gets a paused delivery: not attempted, resendable by time window.
      expect(deliveries.find((d) => d.subscriptionId === disabled)).toEqual({
        deliveryId: `${sample.id}.${disabled}`,
        eventId: sample.id,
        subscriptionId: disabled,
        eventType: sample.type,
        status: 'paused',
        statusReason: 'subscription disabled',
        createdAt: now,
        updatedAt: now,
        completedAt: now,
        attemptCount: 0,
        budgetStart: 0,
      });
      expect(deliveries.some((d) => d.subscriptionId === deleted)).toBe(false);
      expect(byId(deliveries.filter((d) => d.subscriptionId !== disabled))).toEqual(
        byId(
          subscribers.map((subscriptionId): Delivery => ({
            deliveryId: `${sample.id}.${subscriptionId}`,
            eventId: sample.id,
            subscriptionId,
            eventType: sample.type,
            status: 'pending',
            createdAt: now,
            updatedAt: now,
            attemptCount: 0,
            budgetStart: 0,
            nextAttemptAt: now,
            nextTrigger: 'initial',
          })),
        ),
      );
      expectedIds.push(...subscribers.map((s) => `${sample.id}.${s}`));
    }
    expect(expectedIds).toHaveLength(12);

    expect(byId(h.queued())).toEqual(wakeupsOf(expectedIds));
    const calls = batchCalls(h);
    expect(calls.map((c) => c.Entries!.length)).toEqual([10, 2]);
    for (const call of calls) expect(call.QueueUrl).toBe(QUEUE_URL);
    // Wake-ups go out batched only: no single SendMessage to the deliveries queue.
    expect(h.sqs.commandCalls(SendMessageCommand)).toEqual([]);
    expect(h.deadLettered()).toEqual([]);
    expect(h.log.text()).not.toContain('s3cr3t');
  });

  it('takes the event id from `id` (integer or string), else from the SQS message id', async () => {
    await fresh();
    const sub = await subscribe(h, 'https://hook.example.com/ids');
    const event = sqsEvent([
      JSON.stringify({ id: 4711, type: 'donation' }),
      JSON.stringify({ id: 'ord-7f3.b', type: 'donation' }),
      { body: JSON.stringify({ type: 'contact_update' }), messageId: 'a7c3b9e2-0000-4000-8000-000000000001' },
    ]);
    const res = await h.ingest(event);
    expect(res.batchItemFailures).toEqual([]);
    for (const eventId of ['4711', 'ord-7f3.b', 'a7c3b9e2-0000-4000-8000-000000000001']) {
      expect((await h.deliveries.listByEvent(eventId)).map((d) => d.deliveryId)).toEqual([`${eventId}.${sub}`]);
    }
    expect((await h.deliveries.getEvent('a7c3b9e2-0000-4000-8000-000000000001'))?.type).toBe('contact_update');
    expect(byId(h.queued())).toEqual(wakeupsOf([`4711.${sub}`, `ord-7f3.b.${sub}`, `a7c3b9e2-0000-4000-8000-000000000001.${sub}`]));
  });

  it('fans out to 30 subscriptions with wake-ups in three SendMessageBatch calls', async () => {
    await fresh();
    const subs: string[] = [];
    for (let i = 0; i < 30; i += 1) subs.push(await subscribe(h, `https://hook.example.com/many/${i}`));
    h.sqs.resetHistory();
    const res = await h.ingest(sqsEvent([JSON.stringify({ id: 30, type: 'donation' })]));
    expect(res.batchItemFailures).toEqual([]);
    const deliveries = await h.deliveries.listByEvent('30');
    expect(deliveries).toHaveLength(30);
    expect(new Set(deliveries.map((d) => d.subscriptionId))).toEqual(new Set(subs));
    expect(batchCalls(h).map((c) => c.Entries!.length)).toEqual([10, 10, 10]);
    expect(byId(h.queued())).toEqual(wakeupsOf(subs.map((s) => `30.${s}`)));
  });

  it('acks an event no subscription wants, creating no delivery', async () => {
    await fresh();
    await subscribe(h, 'https://hook.example.com/donations', ['donation']);
    const res = await h.ingest(sqsEvent([JSON.stringify({ id: 5, type: 'contact_update' })]));
    expect(res.batchItemFailures).toEqual([]);
    expect(await h.deliveries.listByEvent('5')).toEqual([]);
    expect((await h.deliveries.getEvent('5'))?.subscriptionIds).toEqual([]);
    expect(h.queued()).toEqual([]);
  });
});

describe('ingest handler: repeated events', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver(() => ({ status: 500, body: 'down' }));
  });
  afterAll(async () => {
    await receiver.close();
  });

  it('acks a re-delivered SQS message at once, creating nothing new', async () => {
    await fresh();
    const a = await subscribe(h, 'https://a.example.com/hook');
    const b = await subscribe(h, 'https://b.example.com/hook');
    // Without an `id` the event id is the message id, so the re-delivery must map onto it too.
    const first = sqsEvent([JSON.stringify({ id: 77, type: 'donation' }), JSON.stringify({ type: 'donation' })]);
    expect((await h.ingest(first)).batchItemFailures).toEqual([]);
    const before = [...(await h.deliveries.listByEvent('77')), ...(await h.deliveries.listByEvent(first.Records[1].messageId))];
    expect(before).toHaveLength(4);

    h.clock.advance(1_000);
    for (const index of [0, 1]) {
      const res = await h.ingest(redelivery(first, index));
      expect(res.batchItemFailures).toEqual([]);
    }
    const after = [...(await h.deliveries.listByEvent('77')), ...(await h.deliveries.listByEvent(first.Records[1].messageId))];
    expect(byId(after)).toEqual(byId(before));
    expect(new Set(after.map((d) => d.subscriptionId))).toEqual(new Set([a, b]));
  });

  it('acks the same event id published again in a new message, keeping the first body', async () => {
    await fresh();
    const sub = await subscribe(h, 'https://a.example.com/hook');
    const body = JSON.stringify({ id: 'evt-9', type: 'donation', amount: '10.00 EUR' });
    expect((await h.ingest(sqsEvent([body]))).batchItemFailures).toEqual([]);
    h.clock.advance(1_000);
    const res = await h.ingest(sqsEvent([JSON.stringify({ id: 'evt-9', type: 'donation', amount: '99.00 EUR' })]));
    expect(res.batchItemFailures).toEqual([]);
    expect((await h.deliveries.listByEvent('evt-9')).map((d) => d.deliveryId)).toEqual([`evt-9.${sub}`]);
    expect((await h.deliveries.getEvent('evt-9'))?.body).toBe(body);
  });

  it('does not reset a delivery in progress when its event comes again', async () => {
    await fresh();
    await subscribe(h, `${receiver.url}/failing`);
    const event = sqsEvent([JSON.stringify({ id: 501, type: 'donation' })]);
    await h.ingest(event);
    const [wakeup] = h.queued();
    // The first attempt fails (500): attempt 1 recorded, the retry due in 5 minutes.
    expect((await h.sender(wakeupEvent([wakeup]))).batchItemFailures).toEqual([]);
    const inProgress = await h.deliveries.get(wakeup.deliveryId);
    expect(inProgress).toMatchObject({ status: 'pending', attemptCount: 1, nextTrigger: 'retry' });

    h.sqs.resetHistory();
    h.clock.advance(30_000);
    expect((await h.ingest(redelivery(event))).batchItemFailures).toEqual([]);
    h.clock.advance(LATER_MS);
    expect((await h.ingest(sqsEvent([JSON.stringify({ id: 501, type: 'donation' })]))).batchItemFailures).toEqual([]);

    const after = await h.deliveries.get(wakeup.deliveryId);
    expect(after).toEqual(inProgress);
    expect(after?.attemptCount).toBe(1);
    expect(after?.nextAttemptAt).toBe(inProgress?.nextAttemptAt);
    // Its retry is already arranged; the repeat must not wake it early.
    expect(h.queued()).toEqual([]);
    expect(await h.deliveries.listAttempts(wakeup.deliveryId)).toHaveLength(1);
  });

  it('stores paused deliveries of disabled subscriptions at once, and completes a fan-out that died half-way on the repeat', async () => {
    await fresh();
    const a = await subscribe(h, 'https://a.example.com/hook');
    const b = await subscribe(h, 'https://b.example.com/hook');
    await h.subscriptions({ action: 'disable', id: b });
    h.sqs.resetHistory();
    // The event item is written, then the paused delivery's write fails: as if the function died in between.
    const deliveriesTable = h.env.DELIVERIES_TABLE;
    failNext(h, (command) => command instanceof PutCommand && command.input.TableName === deliveriesTable);
    const event = sqsEvent([JSON.stringify({ id: 600, type: 'donation' })]);
    const messageId = event.Records[0].messageId;
    expect(failedIds(await h.ingest(event))).toEqual([messageId]);
    expect((await h.deliveries.getEvent('600'))?.subscriptionIds.sort()).toEqual([a, b].sort());
    expect(h.queued()).toEqual([]);
    vi.restoreAllMocks();

    // The repeat wakes both planned deliveries at once; the sender pauses b's, whose subscription is disabled.
    expect((await h.ingest(redelivery(event))).batchItemFailures).toEqual([]);
    const deliveries = await h.deliveries.listByEvent('600');
    expect(byId(deliveries).map((d) => [d.deliveryId, d.status, d.attemptCount, d.nextTrigger])).toEqual(
      byId([`600.${a}`, `600.${b}`].map((deliveryId) => ({ deliveryId }))).map((d) => [d.deliveryId, 'pending', 0, 'initial']),
    );
    expect(byId(h.queued())).toEqual(wakeupsOf([`600.${a}`, `600.${b}`]));
    expect((await h.sender(wakeupEvent(h.queued().filter((w) => w.deliveryId.endsWith(b))))).batchItemFailures).toEqual([]);
    expect(await h.deliveries.get(`600.${b}`)).toMatchObject({ status: 'paused', attemptCount: 0 });
  });

  it('retries the second of two copies in one batch, and acks it later as a duplicate', async () => {
    await fresh();
    const sub = await subscribe(h, 'https://a.example.com/hook');
    const body = JSON.stringify({ id: 700, type: 'donation' });
    const event = sqsEvent([body, body]);
    expect(failedIds(await h.ingest(event))).toEqual([event.Records[1].messageId]);
    expect((await h.deliveries.listByEvent('700')).map((d) => d.deliveryId)).toEqual([`700.${sub}`]);

    h.clock.advance(1_000);
    expect((await h.ingest(redelivery(event, 1))).batchItemFailures).toEqual([]);
    expect((await h.deliveries.listByEvent('700')).map((d) => d.deliveryId)).toEqual([`700.${sub}`]);
    expect(await h.deliveries.get(`700.${sub}`)).toMatchObject({ status: 'pending', attemptCount: 0 });
  });
});

describe('ingest handler: invalid events', () => {
  it('parks each invalid event in the events DLQ with its reason, acks it, and fans out the valid ones', async () => {
    await fresh({ MAX_EVENT_BYTES: '1000' });
    const sub = await subscribe(h, 'https://a.example.com/hook');
    // The limit counts UTF-8 bytes, not characters: 600 characters here are 1,200 bytes.
    const oversize = JSON.stringify({ id: 800, type: 'donation', note: 'ä'.repeat(600) });
    expect(oversize.length).toBeLessThan(1000);
    const atLimit = JSON.stringify({ id: 802, type: 'donation', note: 'x'.repeat(1000 - 38) });
    expect(Buffer.byteLength(atLimit)).toBe(1000);
    const invalid: Array<[string, RegExp]> = [
      ['{"id": 1, "type": "donation"', /not valid JSON/],
      ['[{"id": 2, "type": "donation"}]', /must be a JSON object, got an array/],
      ['{"id": 3, "amount": "10.00 EUR"}', /no `type`/],
      ['{"id": 1.5, "type": "donation"}', /`id` must be an integer or a string/],
      ['{"id": "has space", "type": "donation"}', /`id` must be 1 to 200 printable ASCII characters/],
      ['{"id": null, "type": "donation"}', /`id` must be an integer or a string, got null/],
      [oversize, /is \d+ bytes, more than the limit of 1000 bytes/],
    ];
    const valid = JSON.stringify({ id: 801, type: 'donation' });
    const event = sqsEvent([...invalid.slice(0, 3).map(([body]) => body), valid, ...invalid.slice(3).map(([body]) => body), atLimit]);
    const res = await h.ingest(event);
    expect(res.batchItemFailures).toEqual([]);

    const parked = h.deadLettered();
    expect(parked.map((p) => p.body)).toEqual(invalid.map(([body]) => body));
    parked.forEach((p, i) => expect(p.reason).toMatch(invalid[i][1]));
    const warnings = h.log.lines.filter((l) => l.level === 'warn' && /rejected/.test(l.message));
    expect(warnings.map((w) => w.fields?.reason)).toEqual(parked.map((p) => p.reason));

    expect((await h.deliveries.listByEvent('801')).map((d) => d.deliveryId)).toEqual([`801.${sub}`]);
    expect((await h.deliveries.getEvent('802'))?.body).toBe(atLimit);
    expect(byId(h.queued())).toEqual(wakeupsOf([`801.${sub}`, `802.${sub}`]));
    for (const id of ['1', '2', '3', '800']) expect(await h.deliveries.getEvent(id)).toBeUndefined();
  });

  it('retries an invalid event when the DLQ cannot take it, so it is never lost', async () => {
    await fresh();
    h.sqs.resetHistory();
    h.sqs.on(SendMessageCommand).rejectsOnce(Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable' }));
    const event = sqsEvent(['not json']);
    expect(failedIds(await h.ingest(event))).toEqual([event.Records[0].messageId]);
    expect(h.log.lines.some((l) => l.level === 'error' && /could not park/.test(l.message))).toBe(true);

    const calls = h.deadLettered().length;
    expect((await h.ingest(redelivery(event))).batchItemFailures).toEqual([]);
    expect(h.deadLettered().slice(calls)).toEqual([{ body: 'not json', reason: expect.stringMatching(/not valid JSON/) }]);
  });
});

describe('ingest handler: infrastructure errors', () => {
  it('retries the messages whose wake-ups could not be sent; the retry wakes their deliveries', async () => {
    await fresh();
    const sub = await subscribe(h, 'https://a.example.com/hook');
    h.sqs.resetHistory();
    h.sqs.on(SendMessageBatchCommand).rejectsOnce(Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable' }));
    const event = sqsEvent([JSON.stringify({ id: 900, type: 'donation' }), JSON.stringify({ id: 901, type: 'donation' })]);
    expect(failedIds(await h.ingest(event)).sort()).toEqual(event.Records.map((r) => r.messageId).sort());
    // The deliveries are planned (pending, not attempted); only their wake-ups are missing.
    expect(await h.deliveries.get(`900.${sub}`)).toMatchObject({ status: 'pending', attemptCount: 0 });
    expect(await h.deliveries.get(`901.${sub}`)).toMatchObject({ status: 'pending', attemptCount: 0 });

    const sentBefore = h.queued().length;
    h.clock.advance(LATER_MS);
    const retry = sqsEvent(event.Records.map((r) => ({ body: r.body, messageId: r.messageId, receiveCount: 2 })));
    expect((await h.ingest(retry)).batchItemFailures).toEqual([]);
    expect(byId(h.queued().slice(sentBefore))).toEqual(wakeupsOf([`900.${sub}`, `901.${sub}`]));
  });

  it('retries only the message whose wake-up SQS refused in a partly failed batch', async () => {
    await fresh();
    const sub = await subscribe(h, 'https://a.example.com/hook');
    h.sqs.resetHistory();
    h.sqs.on(SendMessageBatchCommand).callsFakeOnce((input: SendMessageBatchCommandInput) => {
      const refused = input.Entries!.filter((e) => (JSON.parse(e.MessageBody!) as { deliveryId: string }).deliveryId.startsWith('911.'));
      return {
        Successful: input.Entries!.filter((e) => !refused.includes(e)).map((e) => ({ Id: e.Id, MessageId: 'm', MD5OfMessageBody: '' })),
        Failed: refused.map((e) => ({ Id: e.Id, SenderFault: false, Code: 'InternalError', Message: 'try again' })),
      };
    });
    const event = sqsEvent([JSON.stringify({ id: 910, type: 'donation' }), JSON.stringify({ id: 911, type: 'donation' })]);
    expect(failedIds(await h.ingest(event))).toEqual([event.Records[1].messageId]);

    const sentBefore = h.queued().length;
    h.clock.advance(LATER_MS);
    expect((await h.ingest(redelivery(event, 1))).batchItemFailures).toEqual([]);
    expect(h.queued().slice(sentBefore)).toEqual([{ deliveryId: `911.${sub}`, attempt: 1 }]);
    expect((await h.deliveries.listByEvent('911')).map((d) => d.deliveryId)).toEqual([`911.${sub}`]);
  });

  it('retries every valid message when the subscriptions cannot be read; invalid ones are still parked', async () => {
    await fresh();
    await subscribe(h, 'https://a.example.com/hook');
    const subscriptionsTable = h.env.SUBSCRIPTIONS_TABLE;
    failNext(h, (command) => command instanceof QueryCommand && command.input.TableName === subscriptionsTable);
    const event = sqsEvent([JSON.stringify({ id: 920, type: 'donation' }), 'not json', JSON.stringify({ id: 921, type: 'donation' })]);
    const res = await h.ingest(event);
    expect(failedIds(res).sort()).toEqual([event.Records[0].messageId, event.Records[2].messageId].sort());
    expect(h.deadLettered()).toEqual([{ body: 'not json', reason: expect.stringMatching(/not valid JSON/) }]);
    expect(await h.deliveries.getEvent('920')).toBeUndefined();
    expect(await h.deliveries.getEvent('921')).toBeUndefined();
    expect(h.queued()).toEqual([]);

    // Once the table answers again the retry goes through as a first ingest.
    const retry = sqsEvent([0, 2].map((i) => ({ body: event.Records[i].body, messageId: event.Records[i].messageId, receiveCount: 2 })));
    expect((await h.ingest(retry)).batchItemFailures).toEqual([]);
    expect(await h.deliveries.listByEvent('920')).toHaveLength(1);
    expect(await h.deliveries.listByEvent('921')).toHaveLength(1);
  });
});
