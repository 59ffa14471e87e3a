import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { CreateScheduleCommand } from '@aws-sdk/client-scheduler';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { closedPort, startReceiver, type Receiver } from '../support/receiver';
import { sampleEvents } from '../support/samples';
import { sqsEvent, startHarness, wakeupEvent, type Harness } from '../support/harness';
import { until } from '../support/wait';
import type { DeliveryWakeup } from '../../lambdas/domain/types';

const MIN = 60_000;

describe('sender handler', () => {
  let h: Harness;
  let receiver: Receiver;

  beforeAll(async () => {
    h = await startHarness({ ATTEMPT_TIMEOUT_MS: '400' });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await h.close();
  });
  beforeEach(() => {
    receiver.requests.length = 0;
    receiver.respondWith(() => ({ status: 200 }));
    h.sqs.resetHistory();
    h.scheduler.resetHistory();
  });
  afterEach(() => vi.restoreAllMocks());

  let eventCounter = 1000;

  async function subscribe(url: string): Promise<string> {
    const { subscription } = (await h.subscriptions({ action: 'create', url })) as { subscription: { id: string } };
    return subscription.id;
  }

  /** Publishes one event to a new subscription and returns the wake-up of its first attempt there. */
  async function deliveryTo(url: string, body?: string) {
    return deliveryToExisting(await subscribe(url), body);
  }

  /** Publishes one event and returns the wake-up of its first attempt at this subscription. */
  async function deliveryToExisting(subscriptionId: string, body?: string) {
    const eventBody = body ?? JSON.stringify({ id: (eventCounter += 1), type: 'donation', amount: '10.00 EUR' });
    const before = h.queued().length;
    const res = await h.ingest(sqsEvent([eventBody]));
    expect(res.batchItemFailures).toEqual([]);
    const wakeup = h
      .carried()
      .slice(before)
      .find((w) => w.deliveryId.endsWith(subscriptionId));
    expect(wakeup).toBeDefined();
    // Later events fan out to this subscription too, but only the wake-ups a test passes to the
    // sender are attempted. Forget the ingest's sends so assertions see only the sender's.
    h.sqs.resetHistory();
    return { subscriptionId, wakeup: { deliveryId: wakeup!.deliveryId, attempt: 1, event: wakeup!.event }, body: eventBody };
  }

  it('POSTs the stored body byte for byte with the documented headers, and marks the delivery delivered', async () => {
    const sample = sampleEvents().find((e) => e.type === 'form_submission')!;
    // A fresh event id so this test does not collide with other tests' events.
    const body = sample.body.replace(`"id": ${sample.id}`, `"id": ${(eventCounter += 1)}`);
    const { wakeup } = await deliveryTo(`${receiver.url}/hook?secret=s3cr3t-value`, body);
    const res = await h.sender(wakeupEvent([wakeup]));
    expect(res.batchItemFailures).toEqual([]);
    expect(receiver.requests).toHaveLength(1);
    const req = receiver.requests[0];
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/hook?secret=s3cr3t-value');
    expect(req.body.equals(Buffer.from(body, 'utf8'))).toBe(true);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['user-agent']).toMatch(/^crm-webhooks\/\d+\.\d+\.\d+$/);
    expect(req.headers['webhook-id']).toBe(wakeup.deliveryId);
    expect(Number(req.headers['webhook-timestamp'])).toBeCloseTo(h.clock.now().getTime() / 1000, -1);
    const delivery = await h.deliveries.get(wakeup.deliveryId);
    expect(delivery).toMatchObject({ status: 'delivered', attemptCount: 1 });
    expect(delivery?.nextAttemptAt).toBeUndefined();
    const attempts = await h.deliveries.listAttempts(wakeup.deliveryId);
    expect(attempts).toEqual([expect.objectContaining({ number: 1, trigger: 'initial', outcome: 'delivered', statusCode: 200 })]);
    expect(h.queued()).toEqual([]);
    expect(h.log.text()).not.toContain('s3cr3t-value');
  });

  /** The DynamoDB commands sent to the events and deliveries tables while `run` runs, by name. */
  async function dynamoCommandsOf(run: () => Promise<unknown>): Promise<string[]> {
    const send = vi.spyOn(h.doc, 'send');
    await run();
    const tables = new Set([h.env.EVENTS_TABLE, h.env.DELIVERIES_TABLE]);
    const names = send.mock.calls
      .map(([command]) => command as { constructor: { name: string }; input: { TableName?: string } })
      .filter((command) => tables.has(command.input.TableName))
      .map((command) => command.constructor.name);
    send.mockRestore();
    return names;
  }

  it('makes a first attempt whose wake-up carries the event with two DynamoDB requests: the claim and the completion', async () => {
    const { wakeup, body } = await deliveryTo(`${receiver.url}/two-requests`);
    expect(wakeup.event).toMatchObject({ type: 'donation', body });
    const commands = await dynamoCommandsOf(() => h.sender(wakeupEvent([wakeup])));
    // Beside these, only the subscription's (cached) read and its concurrency slot, kept across deliveries.
    expect(commands).toEqual(['UpdateCommand', 'UpdateCommand']);
    expect(receiver.requests[0].body.equals(Buffer.from(body, 'utf8'))).toBe(true);
    expect(await h.deliveries.get(wakeup.deliveryId)).toMatchObject({ status: 'delivered', attemptCount: 1 });
  });

  it('reads the event when its wake-up did not carry the body, and POSTs the same bytes', async () => {
    const { wakeup, body } = await deliveryTo(`${receiver.url}/read-body`);
    const { body: _body, ...withoutBody } = wakeup.event!;
    const commands = await dynamoCommandsOf(() => h.sender(wakeupEvent([{ ...wakeup, event: withoutBody }])));
    expect(commands.filter((name) => name === 'GetCommand').length).toBeGreaterThanOrEqual(1);
    expect(receiver.requests[0].body.equals(Buffer.from(body, 'utf8'))).toBe(true);
  });

  it('carries the event byte for byte in the retry wake-up of a failed attempt', async () => {
    receiver.respondWith(() => ({ status: 503 }));
    // Escapes, non-ASCII text, odd spacing and a trailing newline: bytes a re-serialisation would change.
    const body = `{"type":"donation","id":${(eventCounter += 1)},"note":"caf\\u00e9 é ☃ \\"q\\"",  "x" : [1, 2]}` + '\n';
    const { wakeup } = await deliveryTo(`${receiver.url}/retry-carries`, body);
    expect(wakeup.event?.body).toBe(body);
    await h.sender(wakeupEvent([wakeup]));
    const [retry] = h.carried();
    expect(retry).toMatchObject({ deliveryId: wakeup.deliveryId, attempt: 2, event: { type: 'donation', body: wakeup.event!.body } });
  });

  it('sends Basic auth from URL userinfo as a header, never in the URL', async () => {
    const { wakeup } = await deliveryTo(`${receiver.url.replace('http://', 'http://crm:pa55word@')}/basic`);
    await h.sender(wakeupEvent([wakeup]));
    const req = receiver.requests[0];
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('crm:pa55word').toString('base64')}`);
    expect(req.path).toBe('/basic');
    expect(h.log.text()).not.toContain('pa55word');
  });

  it('records a 500 with its body excerpt and queues the retry with an SQS delay when the wait is short', async () => {
    receiver.respondWith(() => ({ status: 500, body: 'database down' }));
    const { wakeup } = await deliveryTo(`${receiver.url}/500`);
    const res = await h.sender(wakeupEvent([wakeup]));
    expect(res.batchItemFailures).toEqual([]);
    const [attempt] = await h.deliveries.listAttempts(wakeup.deliveryId);
    expect(attempt).toMatchObject({ number: 1, outcome: 'http_status', statusCode: 500, error: 'HTTP 500', responseBody: 'database down' });
    const delivery = await h.deliveries.get(wakeup.deliveryId);
    expect(delivery).toMatchObject({ status: 'pending', attemptCount: 1, nextTrigger: 'retry' });
    expect(Date.parse(delivery!.nextAttemptAt!) - h.clock.now().getTime()).toBe(5 * MIN);
    expect(h.queued()).toEqual([{ deliveryId: wakeup.deliveryId, attempt: 2, delaySeconds: 300 }]);
    expect(h.scheduled()).toEqual([]);
  });

  it('counts a slow response past the timeout as a timeout', async () => {
    receiver.respondWith(() => ({ status: 200, delayMs: 2000 }));
    const { wakeup } = await deliveryTo(`${receiver.url}/slow`);
    const started = Date.now();
    await h.sender(wakeupEvent([wakeup]));
    expect(Date.now() - started).toBeLessThan(1500);
    const [attempt] = await h.deliveries.listAttempts(wakeup.deliveryId);
    expect(attempt).toMatchObject({ outcome: 'timeout' });
    expect(attempt.durationMs).toBeGreaterThanOrEqual(350);
    expect((await h.deliveries.get(wakeup.deliveryId))?.status).toBe('pending');
  });

  it('counts a refused connection as a network failure', async () => {
    const port = await closedPort();
    const { wakeup } = await deliveryTo(`http://127.0.0.1:${port}/refused`);
    await h.sender(wakeupEvent([wakeup]));
    const [attempt] = await h.deliveries.listAttempts(wakeup.deliveryId);
    expect(attempt).toMatchObject({ outcome: 'network' });
    expect(attempt.error).toMatch(/ECONNREFUSED/);
  });

  it('does not follow a redirect: the attempt fails and the redirect target gets nothing', async () => {
    const target = await startReceiver();
    try {
      receiver.respondWith(() => ({ status: 302, headers: { location: `${target.url}/elsewhere` } }));
      const { wakeup } = await deliveryTo(`${receiver.url}/moved`);
      await h.sender(wakeupEvent([wakeup]));
      const [attempt] = await h.deliveries.listAttempts(wakeup.deliveryId);
      expect(attempt).toMatchObject({ outcome: 'http_status', statusCode: 302 });
      expect(attempt.error).toMatch(/redirect not followed/);
      expect(target.requests).toHaveLength(0);
    } finally {
      await target.close();
    }
  });

  it('makes one POST for a duplicated message, also when both copies arrive in one batch', async () => {
    const { wakeup } = await deliveryTo(`${receiver.url}/dup`);
    const res = await h.sender(wakeupEvent([wakeup, wakeup]));
    expect(res.batchItemFailures).toEqual([]);
    await h.sender(wakeupEvent([wakeup]));
    expect(receiver.requests).toHaveLength(1);
    expect(await h.deliveries.listAttempts(wakeup.deliveryId)).toHaveLength(1);
  });

  it('schedules a long wait with EventBridge Scheduler, deterministically named, deleted after completion', async () => {
    receiver.respondWith(() => ({ status: 503 }));
    const { wakeup } = await deliveryTo(`${receiver.url}/long`);
    // Fail attempts 1..3 (waits 5, 10, 20 min): the wait after the third is 20 min, past SQS's 15.
    let current: DeliveryWakeup = wakeup;
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      if (attempt > 1) h.clock.advance(5 * MIN * 2 ** (attempt - 2));
      await h.sender(wakeupEvent([current]));
      current = { deliveryId: wakeup.deliveryId, attempt: attempt + 1 };
    }
    expect(h.queued().map((w) => w.delaySeconds)).toEqual([300, 600]);
    const scheduled = h.scheduled();
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0]).toMatchObject({ deliveryId: wakeup.deliveryId, attempt: 4 });
    const input = h.scheduler.commandCalls(CreateScheduleCommand)[0].args[0].input;
    expect(input).toMatchObject({ ActionAfterCompletion: 'DELETE', GroupName: 'crm-webhooks', FlexibleTimeWindow: { Mode: 'OFF' } });
    const due = new Date(Date.parse((await h.deliveries.get(wakeup.deliveryId))!.nextAttemptAt!));
    expect(input.ScheduleExpression).toBe(`at(${new Date(Math.ceil(due.getTime() / 1000) * 1000).toISOString().slice(0, 19)})`);
  });

  it('gives up after the last attempt: the delivery is failed and nothing more is arranged', async () => {
    const limited = await startHarness({ MAX_ATTEMPTS: '3', RETRY_BASE_DELAY_MS: '1000', ATTEMPT_TIMEOUT_MS: '400' });
    try {
      receiver.respondWith(() => ({ status: 500 }));
      const { subscription } = (await limited.subscriptions({ action: 'create', url: `${receiver.url}/last` })) as {
        subscription: { id: string };
      };
      await limited.ingest(sqsEvent([JSON.stringify({ id: 'last-1', type: 'donation' })]));
      const deliveryId = `last-1.${subscription.id}`;
      for (let attempt = 1; attempt <= 3; attempt += 1) {
        limited.clock.advance(10_000);
        await limited.sender(wakeupEvent([{ deliveryId, attempt }]));
      }
      const delivery = await limited.deliveries.get(deliveryId);
      expect(delivery).toMatchObject({ status: 'failed', attemptCount: 3 });
      expect(delivery?.nextAttemptAt).toBeUndefined();
      expect((await limited.deliveries.listAttempts(deliveryId)).map((a) => [a.number, a.trigger, a.outcome])).toEqual([
        [1, 'initial', 'http_status'],
        [2, 'retry', 'http_status'],
        [3, 'retry', 'http_status'],
      ]);
      expect(limited.queued().filter((w) => w.attempt === 4)).toEqual([]);
      expect(limited.scheduled()).toEqual([]);
      expect(limited.log.lines.some((l) => l.level === 'warn' && /delivery failed/.test(l.message))).toBe(true);
    } finally {
      await limited.close();
    }
  });

  it('re-arranges a wake-up that comes before the attempt is due, without attempting', async () => {
    receiver.respondWith(() => ({ status: 500 }));
    const { wakeup } = await deliveryTo(`${receiver.url}/early`);
    await h.sender(wakeupEvent([wakeup]));
    h.sqs.resetHistory();
    h.clock.advance(60_000);
    await h.sender(wakeupEvent([{ deliveryId: wakeup.deliveryId, attempt: 2 }]));
    expect(receiver.requests).toHaveLength(1);
    expect(h.queued()).toEqual([{ deliveryId: wakeup.deliveryId, attempt: 2, delaySeconds: 240 }]);
  });

  it('fails only the record whose storage write fails, so SQS retries it; the others go through', async () => {
    const { wakeup: ok } = await deliveryTo(`${receiver.url}/ok`);
    const { wakeup: broken } = await deliveryTo(`${receiver.url}/broken`);
    const send = h.doc.send.bind(h.doc) as (command: unknown) => Promise<unknown>;
    // Only send's promise form is used, so the stub implements that one signature.
    const spy = vi.spyOn(h.doc, 'send') as unknown as MockInstance<(command: unknown) => Promise<unknown>>;
    spy.mockImplementation((command) => {
      if (command instanceof UpdateCommand && command.input.Key?.deliveryId === broken.deliveryId) {
        const error = new Error('Throughput exceeds the current capacity');
        error.name = 'ProvisionedThroughputExceededException';
        return Promise.reject(error);
      }
      return send(command);
    });
    const event = wakeupEvent([ok, broken]);
    const res = await h.sender(event);
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: event.Records[1].messageId }]);
    expect((await h.deliveries.get(ok.deliveryId))?.status).toBe('delivered');
    vi.restoreAllMocks();
    // The retry of the failed record goes through once storage is back.
    const retry = await h.sender(wakeupEvent([broken], 2));
    expect(retry.batchItemFailures).toEqual([]);
    expect((await h.deliveries.get(broken.deliveryId))?.status).toBe('delivered');
  });

  it('fails the record when the retry cannot be scheduled, and the redelivered message arranges it', async () => {
    receiver.respondWith(() => ({ status: 500 }));
    const { wakeup } = await deliveryTo(`${receiver.url}/sched`);
    // Move the delivery to attempt 3 failing, whose retry (20 min) needs the Scheduler.
    await h.doc.send(
      new UpdateCommand({
        TableName: h.env.DELIVERIES_TABLE,
        Key: { deliveryId: wakeup.deliveryId },
        // The delivery as two failed attempts leave it (attempt 1 would have stored it).
        UpdateExpression:
          'SET eventId = :e, subscriptionId = :s, attemptCount = :two, #status = :pending, budgetStart = :zero, ' +
          'eventType = :type, createdAt = :now, nextAttemptAt = :now',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':e': wakeup.deliveryId.split('.')[0],
          ':s': wakeup.deliveryId.split('.')[1],
          ':two': 2,
          ':zero': 0,
          ':pending': 'pending',
          ':type': 'donation',
          ':now': h.clock.now().toISOString(),
        },
      }),
    );
    h.scheduler.on(CreateScheduleCommand).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const third = { deliveryId: wakeup.deliveryId, attempt: 3 };
    const event = wakeupEvent([third]);
    const res = await h.sender(event);
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0].messageId }]);
    expect(receiver.requests).toHaveLength(1);
    // SQS hands the message out again: no second POST, but the missing schedule is created.
    const again = await h.sender(wakeupEvent([third], 2));
    expect(again.batchItemFailures).toEqual([]);
    expect(receiver.requests).toHaveLength(1);
    // The refused call and its repeat: the same deterministic name, so a repeat can never double up.
    const scheduled = h.scheduled();
    expect(scheduled).toHaveLength(2);
    expect(scheduled[1]).toMatchObject({ deliveryId: wakeup.deliveryId, attempt: 4, name: scheduled[0].name });
  });

  it('sends an unreadable wake-up message to the queue for retry (and so the DLQ), never dropping it silently', async () => {
    const event = sqsEvent(['not json', JSON.stringify({ deliveryId: 'x' })]);
    const logged = h.log.lines.length;
    const res = await h.sender(event);
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(event.Records.map((r) => r.messageId));
    const errors = h.log.lines.slice(logged).filter((l) => l.level === 'error' && /not processed/.test(l.message));
    expect(errors.map((l) => l.fields?.error)).toEqual([
      'ValidationError: wake-up message is not JSON',
      expect.stringMatching(/^ValidationError: wake-up message is invalid: attempt: /),
    ]);
  });

  it('reports each invocation its own failures when invocations run at once (as in the local runtime)', async () => {
    receiver.respondWith(() => ({ status: 200, delayMs: 100 }));
    const { wakeup } = await deliveryTo(`${receiver.url}/concurrent`);
    const good = wakeupEvent([wakeup]);
    const bad = sqsEvent(['not json']);
    const [goodRes, badRes] = await Promise.all([h.sender(good), h.sender(bad)]);
    expect(goodRes.batchItemFailures).toEqual([]);
    expect(badRes.batchItemFailures).toEqual([{ itemIdentifier: bad.Records[0].messageId }]);
  });

  const iso = (ms: number) => new Date(ms).toISOString();

  /** Opens the subscription's circuit as the breaker would: now, the first probe due in 30 s. */
  async function openCircuit(subscriptionId: string): Promise<number> {
    const probeAt = h.clock.now().getTime() + 30_000;
    await setCircuit(subscriptionId, { since: h.clock.now().getTime(), probeAt });
    return probeAt;
  }

  /** An open circuit, opened at `since`, its next probe at `probeAt`, 30 s after the last. */
  async function setCircuit(subscriptionId: string, { since, probeAt }: { since: number; probeAt: number }): Promise<void> {
    await h.doc.send(
      new UpdateCommand({
        TableName: h.env.SUBSCRIPTIONS_TABLE,
        Key: { id: subscriptionId },
        UpdateExpression: 'SET circuitState = :open, circuitSince = :since, circuitProbeAt = :probeAt, circuitBackoffMs = :backoff',
        ExpressionAttributeValues: { ':open': 'open', ':since': iso(since), ':probeAt': iso(probeAt), ':backoff': 30_000 },
      }),
    );
  }

  it('defers a delivery behind an open circuit with one write, unclaimed, to the probe time; then it is the probe', async () => {
    const { wakeup, subscriptionId, body } = await deliveryTo(`${receiver.url}/down-then-back`);
    const probeAt = await openCircuit(subscriptionId);
    const commands = await dynamoCommandsOf(() => h.sender(wakeupEvent([wakeup])));
    expect(commands).toEqual(['UpdateCommand']);
    expect(receiver.requests).toHaveLength(0);
    const deferred = await h.deliveries.get(wakeup.deliveryId);
    expect(deferred).toMatchObject({ status: 'pending', attemptCount: 0, deferReason: 'circuit open' });
    expect(deferred?.leaseUntil).toBeUndefined();
    // Spread over a tenth of the 30 s wait after the probe time.
    const due = Date.parse(deferred!.nextAttemptAt!);
    expect(due).toBeGreaterThanOrEqual(probeAt);
    expect(due).toBeLessThan(probeAt + 3_000);
    const [next] = h.carried();
    expect(next).toMatchObject({ deliveryId: wakeup.deliveryId, attempt: 1, event: { body } });
    expect(next.delaySeconds).toBe(Math.ceil((due - h.clock.now().getTime()) / 1000));
    const { subscription } = (await h.subscriptions({ action: 'get', id: subscriptionId })) as { subscription: { circuit: unknown } };
    expect(subscription.circuit).toMatchObject({ state: 'open', waiting: 1 });

    // At its time the same attempt is made, as the circuit's probe: the receiver is back, the circuit closes.
    h.clock.advance(due - h.clock.now().getTime());
    await h.sender(wakeupEvent([{ deliveryId: next.deliveryId, attempt: next.attempt, event: next.event }]));
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0].body.equals(Buffer.from(body, 'utf8'))).toBe(true);
    expect(await h.deliveries.get(wakeup.deliveryId)).toMatchObject({ status: 'delivered', attemptCount: 1 });
    const after = (await h.subscriptions({ action: 'get', id: subscriptionId })) as { subscription: { circuit: unknown } };
    expect(after.subscription.circuit).toMatchObject({ state: 'closed' });
  });

  it('defers a delivery of a subscription at its concurrency limit with one write, unclaimed, while its slot is busy', async () => {
    const { wakeup: first, subscriptionId } = await deliveryTo(`${receiver.url}/one-at-a-time`);
    await h.subscriptions({ action: 'update', id: subscriptionId, maxConcurrency: 1 });
    const second = (await deliveryToExisting(subscriptionId)).wakeup;
    receiver.respondWith(() => ({ status: 200, delayMs: 300 }));
    const inFlight = h.sender(wakeupEvent([first]));
    await until(() => receiver.requests.length === 1, 5_000, 'the first POST');
    // Its POST has lasted longer than a delivery may queue for the slot in this sender.
    h.clock.advance(1_000);
    const commands = await dynamoCommandsOf(() => h.sender(wakeupEvent([second])));
    expect(commands).toEqual(['UpdateCommand']);
    await inFlight;
    expect(receiver.requests).toHaveLength(1);
    expect(await h.deliveries.get(second.deliveryId)).toMatchObject({
      status: 'pending',
      attemptCount: 0,
      deferReason: 'subscription at its concurrency limit (1)',
    });
    expect(await h.deliveries.get(first.deliveryId)).toMatchObject({ status: 'delivered' });
  });

  it('leaves a duplicate wake-up of a postponed delivery to the claim path, which re-arranges it for its time', async () => {
    const { wakeup, subscriptionId } = await deliveryTo(`${receiver.url}/down`);
    await openCircuit(subscriptionId);
    await h.sender(wakeupEvent([wakeup]));
    const due = (await h.deliveries.get(wakeup.deliveryId))!.nextAttemptAt;
    h.sqs.resetHistory();
    await h.sender(wakeupEvent([wakeup]));
    expect(receiver.requests).toHaveLength(0);
    expect(await h.deliveries.get(wakeup.deliveryId)).toMatchObject({ status: 'pending', attemptCount: 0, nextAttemptAt: due });
    expect(h.log.text()).toContain('wake-up came early');
  });

  it('releases the deliveries that waited behind a circuit when its probe closes it, a page at a time, 20 a second', async () => {
    const subscriptionId = await subscribe(`${receiver.url}/back-after-an-hour`);
    const t0 = h.clock.now().getTime();
    const hour = 60 * MIN;
    await setCircuit(subscriptionId, { since: t0, probeAt: t0 + 30_000 });
    // 40 deliveries wait for the probe, each joining the opening's wait list.
    const fresh: DeliveryWakeup[] = [];
    for (let i = 0; i < 40; i += 1) fresh.push((await deliveryToExisting(subscriptionId)).wakeup);
    await h.sender(wakeupEvent(fresh));
    const firstWait = h.carried().map(({ delaySeconds: _delay, ...wakeup }) => wakeup);
    expect(firstWait.map((w) => w.waitingSince)).toEqual(fresh.map(() => iso(t0)));
    // An hour on (the probes failed meanwhile; the next one in 30 s), each wakes again and sleeps an hour more.
    h.clock.advance(hour);
    const t1 = h.clock.now().getTime();
    await setCircuit(subscriptionId, { since: t0, probeAt: t1 + 30_000 });
    await h.sender(wakeupEvent(firstWait));
    for (const w of fresh) expect(Date.parse((await h.deliveries.get(w.deliveryId))!.nextAttemptAt!)).toBe(t1 + hour);
    const waiting = fresh;
    // A new delivery waits for the probe, and takes it.
    const { wakeup: probe } = await deliveryToExisting(subscriptionId);
    await h.sender(wakeupEvent([probe]));
    h.clock.advance(34_000);
    h.sqs.resetHistory();
    await h.sender(wakeupEvent([probe]));
    expect(receiver.requests.map((r) => r.headers['webhook-id'])).toEqual([probe.deliveryId]);

    // The close released the first page; each page's last wake-up carries the release on to the next.
    const released = new Map<string, number>();
    for (let round = 0; round < 50; round += 1) {
      const sent = h.carried();
      h.sqs.resetHistory();
      const dues = await Promise.all(sent.map(async (w) => Date.parse((await h.deliveries.get(w.deliveryId))!.nextAttemptAt!)));
      sent.forEach((w, i) => released.set(w.deliveryId, dues[i]));
      // At the pace: 50 ms or more between the releases of one page.
      const sorted = [...dues].sort((a, b) => a - b);
      for (let i = 1; i < sorted.length; i += 1) expect(sorted[i] - sorted[i - 1]).toBeGreaterThanOrEqual(50);
      const carrier = sent.find((w) => w.release);
      if (!carrier) break;
      h.clock.advance(Math.max(0, Date.parse((await h.deliveries.get(carrier.deliveryId))!.nextAttemptAt!) - h.clock.now().getTime()));
      await h.sender(wakeupEvent([{ deliveryId: carrier.deliveryId, attempt: carrier.attempt, release: carrier.release }]));
    }
    expect([...released.keys()].sort()).toEqual(waiting.map((w) => w.deliveryId).sort());
    // All due within seconds of the close, where their own wake-ups would have come an hour later.
    expect(Math.max(...released.values())).toBeLessThan(t1 + 34_000 + 10_000);
    expect(receiver.requests.length).toBeGreaterThan(1);
  });

  it('does not carry a release on once the circuit is open again: the carrier is deferred, the others keep their waits', async () => {
    const subscriptionId = await subscribe(`${receiver.url}/down-again`);
    const t0 = h.clock.now().getTime();
    const firstOpening = t0 - 60 * MIN;
    await setCircuit(subscriptionId, { since: firstOpening, probeAt: t0 + 30_000 });
    const [carrier, other] = [(await deliveryToExisting(subscriptionId)).wakeup, (await deliveryToExisting(subscriptionId)).wakeup];
    // `other` waits behind the first opening (on its wait list), due at its probe.
    await h.sender(wakeupEvent([other]));
    const otherDue = (await h.deliveries.get(other.deliveryId))!.nextAttemptAt;
    expect(Date.parse(otherDue!)).toBeGreaterThanOrEqual(t0 + 30_000);
    // The circuit closed and opened again since; a wake-up still carries the first opening's release.
    await setCircuit(subscriptionId, { since: t0 - MIN, probeAt: t0 + 30_000 });
    h.sqs.resetHistory();
    await h.sender(wakeupEvent([{ ...carrier, release: { openedAt: iso(firstOpening), closedAt: iso(t0 - 2 * MIN) } }]));
    expect(receiver.requests).toHaveLength(0);
    expect(await h.deliveries.get(carrier.deliveryId)).toMatchObject({ status: 'pending', deferReason: 'circuit open' });
    expect((await h.deliveries.get(other.deliveryId))!.nextAttemptAt).toBe(otherDue);
    // Its own wake-up goes on without the release.
    expect(h.carried().map((w) => [w.deliveryId, w.release])).toEqual([[carrier.deliveryId, undefined]]);
  });

  it('closes a delivery whose subscription was deleted without attempting it', async () => {
    const { wakeup, subscriptionId } = await deliveryTo(`${receiver.url}/gone`);
    await h.subscriptions({ action: 'delete', id: subscriptionId });
    await h.sender(wakeupEvent([wakeup]));
    expect(receiver.requests).toHaveLength(0);
    expect(await h.deliveries.get(wakeup.deliveryId)).toMatchObject({
      status: 'failed',
      statusReason: 'subscription deleted',
      attemptCount: 0,
    });
  });
  it('reports how late it took its wake-ups off the queue, for the sweeper (the largest lateness of the batch)', async () => {
    const first = await deliveryTo(`${receiver.url}/hook`);
    const second = await deliveryTo(`${receiver.url}/hook`);
    const event = wakeupEvent([first.wakeup, second.wakeup]);
    const now = Date.now();
    const [sentNow, delayed] = event.Records;
    // Sent 90 s ago with no delay; and sent 10 minutes ago, due (its wakeAt) 20 s ago.
    sentNow.attributes = { ...sentNow.attributes, SentTimestamp: String(now - 90_000), ApproximateFirstReceiveTimestamp: String(now) };
    delayed.attributes = { ...delayed.attributes, SentTimestamp: String(now - 600_000), ApproximateFirstReceiveTimestamp: String(now) };
    delayed.messageAttributes = { wakeAt: { dataType: 'Number', stringValue: String(now - 20_000) } };
    // Past the half minute since any earlier batch's report.
    h.clock.advance(MIN);

    expect((await h.sender(event)).batchItemFailures).toEqual([]);
    const { Item } = await h.doc.send(
      new GetCommand({ TableName: h.dynamo.tableNames.fanouts, Key: { bucket: 'queue-lag', batchId: 'main' }, ConsistentRead: true }),
    );
    expect(Item).toMatchObject({ lagMs: 90_000, at: h.clock.now().toISOString() });
  });
});
