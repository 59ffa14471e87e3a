import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { SqsParkedQueue } from '../../lambdas/adapters/sqs/sqs-parked-queue';
import { handleDeadLetters } from '../../lambdas/domain/dead-letters';

const DLQ_URL = 'https://sqs.eu-central-1.amazonaws.com/123456789012/events-dlq';
const QUEUE_URL = 'https://sqs.eu-central-1.amazonaws.com/123456789012/events';
const sqsMock = mockClient(SQSClient);
// The client classes outlive this file where test files share a worker: leave them unmocked.
afterAll(() => {
  sqsMock.restore();
});
const parked = new SqsParkedQueue({ sqs: new SQSClient({ region: 'eu-central-1' }), queueUrl: DLQ_URL, sourceQueueUrl: QUEUE_URL });
const deps = { queues: { events: parked, deliveries: parked } };

const message = (id: string, body: string, reason?: string) => ({
  MessageId: id,
  ReceiptHandle: `rh-${id}`,
  Body: body,
  Attributes: { SentTimestamp: '1795780800000', ApproximateReceiveCount: '2' },
  MessageAttributes: {
    ...(reason ? { reason: { DataType: 'String', StringValue: reason } } : {}),
    origin: { DataType: 'String', StringValue: 'crm' },
  },
});

beforeEach(() => {
  sqsMock.reset();
  sqsMock
    .on(ReceiveMessageCommand)
    .resolvesOnce({ Messages: [message('m1', 'not json', 'body is not valid JSON'), message('m2', '{"type":"donation"}')] })
    .resolvesOnce({ Messages: [message('m3', '{"type":"x"}')] })
    .resolves({ Messages: [] });
  sqsMock
    .on(GetQueueAttributesCommand)
    .resolves({ Attributes: { ApproximateNumberOfMessages: '3', ApproximateNumberOfMessagesNotVisible: '0' } });
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'new' });
});

describe('SqsParkedQueue', () => {
  it('lists by receiving with long polling, then makes every message visible again', async () => {
    const result = await handleDeadLetters(deps, { action: 'list', queue: 'events' });
    expect(result).toMatchObject({
      depth: 3,
      messages: [
        {
          messageId: 'm1',
          reason: 'body is not valid JSON',
          sentAt: '2026-11-27T12:00:00.000Z',
          receiveCount: 2,
          bytes: 8,
          excerpt: 'not json',
        },
        { messageId: 'm2', reason: expect.stringContaining('ingest failed on it 2 times') },
        { messageId: 'm3' },
      ],
    });
    const receive = sqsMock.commandCalls(ReceiveMessageCommand)[0].args[0].input;
    expect(receive).toMatchObject({ QueueUrl: DLQ_URL, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] });
    const released = sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(released.map((e) => [e.ReceiptHandle, e.VisibilityTimeout])).toEqual([
      ['rh-m1', 0],
      ['rh-m2', 0],
      ['rh-m3', 0],
    ]);
    expect(sqsMock.commandCalls(DeleteMessageCommand)).toHaveLength(0);
  });

  it('redrives a named message: sent to the work queue without the parking attributes, then deleted; the rest released', async () => {
    const result = await handleDeadLetters(deps, { action: 'redrive', queue: 'events', messageIds: ['m1', 'm9'] });
    expect(result).toEqual({ queue: 'events', redriven: ['m1'], notFound: ['m9'], remaining: 3 });
    expect(sqsMock.commandCalls(SendMessageCommand).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: QUEUE_URL, MessageBody: 'not json', MessageAttributes: { origin: { DataType: 'String', StringValue: 'crm' } } },
    ]);
    expect(sqsMock.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input)).toEqual([{ QueueUrl: DLQ_URL, ReceiptHandle: 'rh-m1' }]);
    const released = sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(released.map((e) => e.ReceiptHandle)).toEqual(['rh-m2', 'rh-m3']);
  });

  it('redrives a wake-up back into its message group, so the work queue still serves it fairly by subscription', async () => {
    const grouped = { ...message('w1', '{"deliveryId":"e.sub_aaaaaaaaaaaaaaaaaaaa","attempt":2}') };
    grouped.Attributes = { ...grouped.Attributes, MessageGroupId: 'sub_aaaaaaaaaaaaaaaaaaaa' } as typeof grouped.Attributes;
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [grouped] })
      .resolves({ Messages: [] });
    await handleDeadLetters(deps, { action: 'redrive', queue: 'deliveries', messageIds: ['w1'] });
    expect(sqsMock.commandCalls(ReceiveMessageCommand)[0].args[0].input.MessageSystemAttributeNames).toContain('MessageGroupId');
    expect(sqsMock.commandCalls(SendMessageCommand)[0].args[0].input).toMatchObject({ MessageGroupId: 'sub_aaaaaaaaaaaaaaaaaaaa' });
  });

  it('purges everything it sees and sends nothing', async () => {
    const result = await handleDeadLetters(deps, { action: 'purge', queue: 'events', all: true });
    expect(result).toMatchObject({ purged: ['m1', 'm2', 'm3'], notFound: [] });
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(sqsMock.commandCalls(DeleteMessageCommand)).toHaveLength(3);
  });

  it('releases what it kept even when an operation fails half-way', async () => {
    sqsMock.on(SendMessageCommand).rejects(new Error('throttled'));
    await expect(handleDeadLetters(deps, { action: 'redrive', queue: 'events', messageIds: ['m2'] })).rejects.toThrow('throttled');
    const released = sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(released.map((e) => e.ReceiptHandle)).toEqual(['rh-m1']);
    expect(sqsMock.commandCalls(DeleteMessageCommand)).toHaveLength(0);
  });
});
