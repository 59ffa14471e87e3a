import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetQueueUrlCommand,
  QueueDoesNotExist,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  TooManyEntriesInBatchRequest,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLog } from '../../lambdas/domain/log';
import { startHttpServer, type HttpServer } from '../../local/http-server';
import { createLambdaEndpoint } from '../../local/lambda-endpoint';
import { LocalQueue } from '../../local/queue';
import { createSqsEndpoint } from '../../local/sqs-endpoint';
import { md5OfMessageAttributes } from '../../local/sqs-md5';
import { localCredentials } from '../../local/local-aws';

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

describe('SQS endpoint, driven by the real SQSClient', () => {
  let dir: string;
  let events: LocalQueue;
  let dlq: LocalQueue;
  let http: HttpServer;
  let sqs: SQSClient;
  let queueUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'local-sqs-'));
    events = LocalQueue.open({ name: 'events', dir, visibilityTimeoutMs: 100 });
    dlq = LocalQueue.open({ name: 'events-dlq', dir, visibilityTimeoutMs: 100 });
    http = await startHttpServer(0, silentLog);
    http.setRoutes({
      sqs: createSqsEndpoint({ queues: { events, 'events-dlq': dlq }, baseUrl: () => http.url }),
      lambda: createLambdaEndpoint({}),
      publish: (body) => ({ messageId: events.send(body).id }),
      health: () => ({ status: 'ok' }),
      notifications: () => [],
    });
    sqs = new SQSClient({ endpoint: http.url, region: 'local', credentials: localCredentials() });
    queueUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: 'events' }))).QueueUrl!;
  });
  afterAll(async () => {
    sqs.destroy();
    await http.close();
    events.close();
    dlq.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    events.delete(events.messages().map((m) => m.id));
  });

  it('answers GetQueueUrl for the events queue, and QueueDoesNotExist for any other name', async () => {
    expect(queueUrl).toBe(`${http.url}/000000000000/events`);
    const missing = sqs.send(new GetQueueUrlCommand({ QueueName: 'deliveries' }));
    await expect(missing).rejects.toBeInstanceOf(QueueDoesNotExist);
    await expect(missing).rejects.toThrow(/does not exist/);
  });

  it('queues a SendMessage body byte for byte and returns its id and MD5 (checked by the SDK)', async () => {
    const body = '{"id":179,"type":"donation","note":"Grüße 🌿"}';
    const result = await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    expect(result.MD5OfMessageBody).toBe(md5(body));
    expect(result.MD5OfMessageAttributes).toBeUndefined();
    const [message] = events.receive(10);
    expect(message).toMatchObject({ id: result.MessageId, body });
  });

  it('honours DelaySeconds', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'later', DelaySeconds: 1 }));
    expect(events.receive(10)).toEqual([]);
    expect(events.depth()).toMatchObject({ delayed: 1 });
    await events.waitForMessages(2_000);
    expect(events.receive(10).map((m) => m.body)).toEqual(['later']);
  });

  it('keeps message attributes and returns the MD5 of them as SQS computes it', async () => {
    const result = await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: 'with attributes',
        MessageAttributes: {
          ordinal: { DataType: 'Number', StringValue: '1' },
          category: { DataType: 'String', StringValue: 'test' },
          blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
        },
      }),
    );
    expect(result.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    expect(events.receive(10)[0]?.attributes).toEqual({
      ordinal: { DataType: 'Number', StringValue: '1' },
      category: { DataType: 'String', StringValue: 'test' },
      blob: { DataType: 'Binary', BinaryValue: 'AQID' },
    });
  });

  it('computes attribute digests that match published reference values', () => {
    // Values from other SQS implementations' tests (sqslite, localstack, sqs-md5-validator).
    expect(
      md5OfMessageAttributes({ ordinal: { DataType: 'Number', StringValue: '1' }, category: { DataType: 'String', StringValue: 'test' } }),
    ).toBe('d21ae90c49061e927f57df5f5d72be1f');
    expect(md5OfMessageAttributes({ timestamp: { DataType: 'Number', StringValue: '1493147359900' } })).toBe(
      '235c5c510d26fb653d073faed50ae77c',
    );
    expect(md5OfMessageAttributes({ SellerName: { DataType: 'String', StringValue: 'Example Store' } })).toBe(
      'cd28f3b68aeee4b2eac9c66f2f694b58',
    );
    expect(md5OfMessageAttributes({})).toBeUndefined();
  });

  it('sends a batch, reporting each entry with its MD5 and refusing invalid entries one by one', async () => {
    const result = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'a', MessageBody: '{"id":1,"type":"donation"}' },
          { Id: 'b', MessageBody: 'bad \u0000 character' },
          { Id: 'c', MessageBody: '{"id":2,"type":"contact_update"}', DelaySeconds: 0 },
        ],
      }),
    );
    expect(result.Successful?.map((e) => [e.Id, e.MD5OfMessageBody])).toEqual([
      ['a', md5('{"id":1,"type":"donation"}')],
      ['c', md5('{"id":2,"type":"contact_update"}')],
    ]);
    expect(result.Failed).toEqual([
      { Id: 'b', SenderFault: true, Code: 'InvalidMessageContents', Message: expect.stringMatching(/characters/) },
    ]);
    expect(events.receive(10).map((m) => m.body)).toEqual(['{"id":1,"type":"donation"}', '{"id":2,"type":"contact_update"}']);
  });

  it('refuses batches SQS would refuse', async () => {
    const entries = Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x' }));
    await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }))).rejects.toBeInstanceOf(
      TooManyEntriesInBatchRequest,
    );
    await expect(
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: [
            { Id: 'same', MessageBody: 'x' },
            { Id: 'same', MessageBody: 'y' },
          ],
        }),
      ),
    ).rejects.toThrow(/same Id/);
    expect(events.depth().visible).toBe(0);
  });

  it("keeps a MessageGroupId as the message's tenant (a fair standard queue), and refuses one SQS would refuse", async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"a":1}', MessageGroupId: 'customer-42' }));
    const batch = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'ok', MessageBody: '{"b":2}', MessageGroupId: 'customer-7' },
          { Id: 'bad', MessageBody: '{"c":3}', MessageGroupId: 'has space' },
        ],
      }),
    );
    expect(batch.Failed).toEqual([
      expect.objectContaining({ Id: 'bad', Code: 'InvalidParameterValue', Message: expect.stringMatching(/MessageGroupId/) }),
    ]);
    expect(events.messages().map((m) => m.groupId)).toEqual(['customer-42', 'customer-7']);
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x', MessageGroupId: 'x'.repeat(129) })),
    ).rejects.toThrow(/MessageGroupId is invalid/);
  });

  it('refuses a send to an unknown queue URL, an empty body and a delay beyond 900 s', async () => {
    await expect(sqs.send(new SendMessageCommand({ QueueUrl: `${http.url}/000000000000/nope`, MessageBody: 'x' }))).rejects.toBeInstanceOf(
      QueueDoesNotExist,
    );
    await expect(sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '' }))).rejects.toThrow(/non-empty MessageBody/);
    await expect(sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x', DelaySeconds: 901 }))).rejects.toThrow(
      /DelaySeconds/,
    );
    expect(events.depth()).toEqual({ visible: 0, delayed: 0, inFlight: 0 });
  });

  it('answers in the AWS JSON error shape, and names the supported operations for an unknown target', async () => {
    const post = (target: string, body: string) =>
      fetch(`${http.url}/`, { method: 'POST', headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.0' }, body });

    const missing = await post('AmazonSQS.GetQueueUrl', '{"QueueName":"nope"}');
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({
      __type: 'com.amazonaws.sqs#QueueDoesNotExist',
      message: expect.stringMatching(/does not exist/),
    });

    const unknown = await post('AmazonSQS.ReceiveMessage', JSON.stringify({ QueueUrl: queueUrl }));
    expect(unknown.status).toBe(400);
    const error = (await unknown.json()) as { __type: string; message: string };
    expect(error.__type).toBe('com.amazonaws.sqs#UnsupportedOperation');
    expect(error.message).toContain('AmazonSQS.SendMessage');

    // Names of Object.prototype's members are no queues either (own-property lookups).
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const byName = await post('AmazonSQS.GetQueueUrl', JSON.stringify({ QueueName: name }));
      expect(byName.status).toBe(400);
      expect(((await byName.json()) as { __type: string }).__type).toBe('com.amazonaws.sqs#QueueDoesNotExist');
      const byUrl = await post('AmazonSQS.SendMessage', JSON.stringify({ QueueUrl: `${http.url}/000000000000/${name}`, MessageBody: 'x' }));
      expect(byUrl.status).toBe(400);
      expect(((await byUrl.json()) as { __type: string }).__type).toBe('com.amazonaws.sqs#QueueDoesNotExist');
    }

    const notJson = await post('AmazonSQS.SendMessage', '{nope');
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { message: string }).message).toMatch(/not valid JSON/);
  });
});
