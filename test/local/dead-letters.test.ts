// Dead letters on the local runtime, through the same Lambda Invoke payloads as in AWS: an invalid
// event published on the SQS path is parked with its reason, /health warns, and support lists,
// shows, redrives and purges it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLog } from '../../lambdas/domain/log';
import { startRuntime, type Runtime } from '../../local/runtime';
import { until } from '../support/wait';
import { localCredentials } from '../../local/local-aws';

describe('dead letters on the local runtime', () => {
  let dir: string;
  let runtime: Runtime;
  let lambda: LambdaClient;
  let sqs: SQSClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'local-dead-letters-'));
    runtime = await startRuntime({ env: { PORT: '0', DATA_DIR: dir }, log: silentLog });
    lambda = new LambdaClient({ endpoint: runtime.url, region: 'local', credentials: localCredentials() });
    sqs = new SQSClient({ endpoint: runtime.url, region: 'local', credentials: localCredentials() });
  });
  afterAll(async () => {
    lambda.destroy();
    sqs.destroy();
    await runtime.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const invoke = async (payload: unknown) => {
    const result = await lambda.send(
      new InvokeCommand({ FunctionName: 'dead-letters', Payload: new TextEncoder().encode(JSON.stringify(payload)) }),
    );
    return {
      functionError: result.FunctionError,
      json: JSON.parse(Buffer.from(result.Payload ?? new Uint8Array()).toString('utf8')) as Record<string, unknown>,
    };
  };
  const publish = async (body: string) => {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'events' }));
    return (await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body }))).MessageId;
  };
  const health = async () => (await (await fetch(`${runtime.url}/health`)).json()) as { status: string; warnings?: string[] };

  it('lists an invalid event with its reason, time and first bytes; /health warns; show gives it whole', async () => {
    expect((await health()).status).toBe('ok');
    await publish('{"type": "donation", "id": 7, oops');
    await until(() => runtime.queues['events-dlq'].messages().length === 1, 10_000, 'the event in the DLQ');

    expect(await health()).toMatchObject({
      status: 'warning',
      warnings: ['1 message in the events dead-letter queue: crm-webhooks dead-letters list --queue events'],
    });
    const listed = await invoke({ action: 'list', queue: 'events' });
    expect(listed.functionError).toBeUndefined();
    const messages = listed.json.messages as Array<Record<string, unknown>>;
    expect(listed.json.depth).toBe(1);
    expect(messages).toEqual([
      expect.objectContaining({
        reason: 'body is not valid JSON',
        bytes: 34,
        excerpt: '{"type": "donation", "id": 7, oops',
        rejectedAt: expect.any(String),
        sentAt: expect.any(String),
      }),
    ]);
    const shown = await invoke({ action: 'show', queue: 'events', messageId: messages[0].messageId });
    expect(shown.json.message).toMatchObject({
      body: '{"type": "donation", "id": 7, oops',
      attributes: { reason: 'body is not valid JSON' },
    });
  });

  it('purges by id, and answers a function error naming the field for a bad request', async () => {
    const [parked] = runtime.queues['events-dlq'].messages();
    const purged = await invoke({ action: 'purge', queue: 'events', messageIds: [parked.id, 'no-such-id'] });
    expect(purged.json).toEqual({ queue: 'events', purged: [parked.id], notFound: ['no-such-id'], remaining: 0 });
    expect((await health()).status).toBe('ok');

    const bad = await invoke({ action: 'redrive', queue: 'eventz', all: true });
    expect(bad.functionError).toBe('Unhandled');
    expect(bad.json.errorMessage).toContain('queue: must be one of events, deliveries');
    const neither = await invoke({ action: 'purge', queue: 'events' });
    expect(neither.json.errorMessage).toContain('give either messageIds or "all": true');
    const unknown = await invoke({ action: 'show', queue: 'events', messageId: 'gone' });
    expect(unknown.json).toMatchObject({
      errorType: 'NotFoundError',
      errorMessage: 'messageId: no message gone in the events dead-letter queue',
    });
  });

  it('redrives a parked wake-up to the deliveries queue, where the sender takes it', async () => {
    // As the queue moves one after five failed receives: same id, its receive count kept.
    runtime.queues['deliveries-dlq'].send('{"deliveryId":"999.sub_abcdefghijklmnopqrst","attempt":1}', { receiveCount: 5 });
    const listed = await invoke({ action: 'list', queue: 'deliveries' });
    const [message] = listed.json.messages as Array<{ messageId: string; reason: string; receiveCount: number }>;
    expect(message).toMatchObject({ receiveCount: 5, reason: expect.stringContaining('the sender failed on it 5 times') });

    const redriven = await invoke({ action: 'redrive', queue: 'deliveries', all: true });
    expect(redriven.json).toEqual({ queue: 'deliveries', redriven: [message.messageId], notFound: [], remaining: 0 });
    // The wake-up names an unknown delivery: the sender takes it and lets it go.
    await until(() => runtime.queues.deliveries.messages().length === 0, 10_000, 'the sender to take the wake-up');
    expect(runtime.queues['deliveries-dlq'].messages()).toEqual([]);
  });

  it('redrives an event back to ingest without the parking attributes', async () => {
    const id = runtime.queues['events-dlq'].send('{"type":"donation","id":"redriven-1"}', {
      attributes: { reason: { DataType: 'String', StringValue: 'ingest failed' }, origin: { DataType: 'String', StringValue: 'crm' } },
    }).id;
    const redriven = await invoke({ action: 'redrive', queue: 'events', messageIds: [id] });
    expect(redriven.json).toMatchObject({ redriven: [id], notFound: [] });
    await until(() => runtime.queues.events.messages().length === 0, 10_000, 'ingest to take the event');
    expect(runtime.queues['events-dlq'].messages()).toEqual([]);
    expect(await runtime.deliveries.getEvent('redriven-1')).toMatchObject({ type: 'donation' });
  });
});
