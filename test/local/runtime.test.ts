import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLog } from '../../lambdas/domain/log';
import { localLogLevel } from '../../local/config';
import { startRuntime, type Runtime } from '../../local/runtime';
import { startReceiver, type Receiver } from '../support/receiver';
import { sampleEvents } from '../support/samples';
import { until } from '../support/wait';
import { localCredentials } from '../../local/local-aws';

async function invoke(runtime: Runtime, name: string, payload: unknown) {
  const response = await fetch(`${runtime.url}/2015-03-31/functions/${name}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  return {
    status: response.status,
    functionError: response.headers.get('x-amz-function-error'),
    json: (await response.json()) as Record<string, unknown>,
  };
}

async function subscribe(runtime: Runtime, url: string): Promise<string> {
  const created = await invoke(runtime, 'subscriptions', { action: 'create', url });
  expect(created.functionError).toBeNull();
  return (created.json.subscription as { id: string }).id;
}

describe('local runtime (in process)', () => {
  let dir: string;
  let runtime: Runtime;
  let receiver: Receiver;
  let sqs: SQSClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'local-runtime-'));
    receiver = await startReceiver();
    runtime = await startRuntime({
      env: {
        PORT: '0',
        DATA_DIR: dir,
        RETRY_BASE_DELAY_MS: '200',
        ATTEMPT_TIMEOUT_MS: '1000',
        SUBSCRIPTION_CACHE_MS: '0',
        MAX_ATTEMPTS: '2',
      },
      log: silentLog,
    });
    sqs = new SQSClient({ endpoint: runtime.url, region: 'local', credentials: localCredentials() });
  });
  afterAll(async () => {
    sqs.destroy();
    await runtime.stop();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers an event published with SQSClient to a subscription created through the invoke endpoint, byte for byte', async () => {
    const subscriptionId = await subscribe(runtime, `${receiver.url}/hook?secret=s3cr3t`);
    const sample = sampleEvents().find((e) => e.type === 'donation')!;
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'events' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: sample.body }));

    const [request] = await receiver.waitForRequests(1);
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/hook?secret=s3cr3t');
    expect(request.body.equals(Buffer.from(sample.body, 'utf8'))).toBe(true);
    expect(request.headers).toMatchObject({
      'content-type': 'application/json',
      'webhook-id': `${sample.id}.${subscriptionId}`,
      'user-agent': expect.stringMatching(/^crm-webhooks\//),
      'webhook-timestamp': expect.stringMatching(/^\d+$/),
    });
    await until(() => runtime.health().queues.deliveries.inFlight === 0, 2_000, 'the delivery to be acknowledged');
    expect(runtime.health().queues).toMatchObject({ events: { visible: 0, inFlight: 0 }, deliveries: { visible: 0, delayed: 0 } });
  });

  it('retries a failed attempt, fails after MAX_ATTEMPTS, and delivers again after a resend', async () => {
    const failing = await startReceiver(() => ({ status: 503 }));
    try {
      const subscriptionId = await subscribe(runtime, `${failing.url}/hook`);
      const body = JSON.stringify({ id: 'retry-1', type: 'contact_update' });
      const published = await fetch(`${runtime.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(published.status).toBe(202);
      const attempts = await failing.waitForRequests(2);
      // The wait is 200 ms, give or take the retry jitter.
      expect(attempts[1].receivedAt - attempts[0].receivedAt).toBeGreaterThanOrEqual(150);
      // MAX_ATTEMPTS reached: no retry waits in any queue (the file's tests run one at a time).
      const queued = () => {
        const { queues, schedules } = runtime.health();
        return [queues.events, queues.deliveries, queues['deliveries-slow']].reduce(
          (n, q) => n + q.visible + q.delayed + q.inFlight,
          schedules,
        );
      };
      await until(() => queued() === 0, 2_000, 'the last attempt to be acknowledged with nothing queued after it');
      expect(failing.requests).toHaveLength(2);

      failing.respondWith(() => ({ status: 204 }));
      const resent = await invoke(runtime, 'resend', { eventIds: ['retry-1'], subscriptionId });
      expect(resent.functionError).toBeNull();
      expect(resent.json).toMatchObject({ matched: 1, resent: 1 });
      const all = await failing.waitForRequests(3);
      expect(all[2].body.toString()).toBe(body);
    } finally {
      await failing.close();
    }
  });

  it('refuses on POST /events a body that is not an event, with the reason, and an empty body', async () => {
    const response = await fetch(`${runtime.url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'not json',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ message: 'not an event: body is not valid JSON' });
    const untyped = await fetch(`${runtime.url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"id": 5}',
    });
    expect(untyped.status).toBe(400);
    expect(await untyped.json()).toEqual({ message: 'not an event: event has no `type`: it must be a non-empty string' });
    const notUtf8 = await fetch(`${runtime.url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]),
    });
    expect(notUtf8.status).toBe(400);
    expect(await notUtf8.json()).toEqual({ message: 'the request body is not UTF-8 text; an event must be UTF-8 JSON' });
    expect(runtime.queues.events.messages()).toEqual([]);

    const empty = await fetch(`${runtime.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '' });
    expect(empty.status).toBe(400);
  });

  it('parks an event that is not JSON, published on the SQS path, in the events dead-letter queue with the reason', async () => {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'events' }));
    const { MessageId: messageId } = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'not json' }));
    await until(() => runtime.queues['events-dlq'].messages().length > 0, 3_000, 'the dead letter');
    const [parked] = runtime.queues['events-dlq'].messages();
    expect(parked.body).toBe('not json');
    expect(parked.attributes.reason?.StringValue).toMatch(/JSON/i);
    expect(parked.attributes.sourceMessageId?.StringValue).toBe(messageId);
    runtime.queues['events-dlq'].delete([parked.id]);
  });

  it('answers a bad console payload with a function error naming the field', async () => {
    const result = await invoke(runtime, 'subscriptions', { action: 'create', url: 'not a url' });
    expect(result.status).toBe(200);
    expect(result.functionError).toBe('Unhandled');
    expect(result.json).toMatchObject({ errorType: 'ValidationError', errorMessage: expect.stringMatching(/url/) });
  });

  it('reports queue depths on GET /health and support notifications on GET /notifications', async () => {
    const response = await fetch(`${runtime.url}/health`);
    expect(response.status).toBe(200);
    const health = (await response.json()) as { status: string; queues: Record<string, unknown>; schedules: number };
    expect(health.status).toBe('ok');
    expect(Object.keys(health.queues).sort()).toEqual(['deliveries', 'deliveries-dlq', 'deliveries-slow', 'events', 'events-dlq']);
    expect(health.queues.events).toEqual({ visible: 0, delayed: 0, inFlight: 0 });

    const notifications = await fetch(`${runtime.url}/notifications`);
    expect(notifications.status).toBe(200);
    expect(await notifications.json()).toEqual([]);
  });
});

describe('local runtime configuration', () => {
  it.each([
    [{ PORT: 'http' }, /PORT/],
    [{ MAX_ATTEMPTS: '0' }, /MAX_ATTEMPTS/],
    [{ RETRY_BASE_DELAY_MS: 'soon' }, /RETRY_BASE_DELAY_MS/],
    [{ ALLOW_HTTP: 'yes' }, /ALLOW_HTTP/],
    [{ SWEEP_GRACE_MS: '-1' }, /SWEEP_GRACE_MS/],
    [{ CIRCUIT_MIN_RUN_MS: '10s' }, /CIRCUIT_MIN_RUN_MS="10s": expected a number of milliseconds/],
    [{ CIRCUIT_MIN_RUN_MS: '-1' }, /CIRCUIT_MIN_RUN_MS="-1": expected 0 or more milliseconds/],
  ])('refuses to start with %j, naming the variable', async (env, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'local-config-'));
    try {
      await expect(startRuntime({ env: { PORT: '0', DATA_DIR: dir, ...env }, log: silentLog })).rejects.toThrow(message);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('local runtime restart', () => {
  it('resumes a pending retry after a stop and a start on the same data folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-restart-'));
    const receiver = await startReceiver((_req, n) => ({ status: n === 1 ? 500 : 200 }));
    // A retry wait that outlasts a stop and a start on a loaded machine.
    const env = { PORT: '0', DATA_DIR: dir, RETRY_BASE_DELAY_MS: '3000', ATTEMPT_TIMEOUT_MS: '1000', SUBSCRIPTION_CACHE_MS: '0' };
    let first: Runtime | undefined;
    let second: Runtime | undefined;
    try {
      first = await startRuntime({ env, log: silentLog });
      await subscribe(first, `${receiver.url}/hook`);
      const body = JSON.stringify({ id: 'restart-1', type: 'donation' });
      await fetch(`${first.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await receiver.waitForRequests(1);
      const running = first;
      // Either lane: a first attempt that took over a second (a loaded machine) sends its retry to the slow lane.
      const queued = (r: Runtime) => {
        const { deliveries, 'deliveries-slow': slowLane } = r.health().queues;
        return deliveries.delayed + deliveries.visible + slowLane.delayed + slowLane.visible;
      };
      await until(() => queued(running) === 1, 2_000, 'the retry to be queued');
      await first.stop();

      second = await startRuntime({ env, log: silentLog });
      expect(queued(second)).toBe(1);
      const requests = await receiver.waitForRequests(2, 5_000);
      expect(requests[1].body.toString()).toBe(body);
      // 3 s, give or take the retry jitter: the retry kept its time across the restart.
      expect(requests[1].receivedAt - requests[0].receivedAt).toBeGreaterThanOrEqual(2_200);
    } finally {
      await first?.stop();
      await second?.stop();
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a second runtime on a data folder in use', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-lock-'));
    const runtime = await startRuntime({ env: { PORT: '0', DATA_DIR: dir }, log: silentLog });
    try {
      await expect(startRuntime({ env: { PORT: '0', DATA_DIR: dir }, log: silentLog })).rejects.toThrow(/DATA_DIR/);
      expect((await fetch(`${runtime.url}/health`)).status).toBe(200);
    } finally {
      await runtime.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('local log level', () => {
  it('is DEBUG, so a local run logs every delivery, unless Powertools’ own variables say otherwise', () => {
    expect(localLogLevel({})).toBe('DEBUG');
    expect(localLogLevel({ POWERTOOLS_LOG_LEVEL: 'WARN' })).toBe('WARN');
    expect(localLogLevel({ LOG_LEVEL: 'ERROR' })).toBe('ERROR');
  });
});
