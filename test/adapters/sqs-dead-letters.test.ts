import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { SqsDeadLetters } from '../../lambdas/adapters/sqs/sqs-dead-letters';

const QUEUE_URL = 'https://sqs.eu-central-1.amazonaws.com/123456789012/events-dlq';
const sqsMock = mockClient(SQSClient);
// The client classes outlive this file where test files share a worker: leave them unmocked.
afterAll(() => {
  sqsMock.restore();
});
const deadLetters = new SqsDeadLetters({
  sqs: new SQSClient({ region: 'eu-central-1' }),
  queueUrl: QUEUE_URL,
  now: () => new Date('2026-11-27T12:00:00.000Z'),
});

beforeEach(() => {
  sqsMock.reset();
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
});

function sentInput() {
  const calls = sqsMock.commandCalls(SendMessageCommand);
  expect(calls).toHaveLength(1);
  return calls[0].args[0].input;
}

describe('SqsDeadLetters', () => {
  it('parks the original body with the reason, source message id and time', async () => {
    await deadLetters.reject('{"id":1 not json', 'body is not JSON', 'msg-42');

    expect(sentInput()).toEqual({
      QueueUrl: QUEUE_URL,
      MessageBody: '{"id":1 not json',
      MessageAttributes: {
        reason: { DataType: 'String', StringValue: 'body is not JSON' },
        sourceMessageId: { DataType: 'String', StringValue: 'msg-42' },
        rejectedAt: { DataType: 'String', StringValue: '2026-11-27T12:00:00.000Z' },
      },
    });
  });

  it('stands in a text for an empty body, which SQS would refuse', async () => {
    await deadLetters.reject('', 'empty message', 'msg-43');
    expect(sentInput().MessageBody).toBe('(empty message)');
  });

  it('truncates a long reason to 1024 characters', async () => {
    await deadLetters.reject('{}', 'r'.repeat(5000), 'msg-44');
    expect(sentInput().MessageAttributes?.reason.StringValue).toBe('r'.repeat(1024));
  });

  it('does not cut a long reason inside a surrogate pair', async () => {
    await deadLetters.reject('{}', 'r'.repeat(1023) + '😀' + 'tail', 'msg-45');
    expect(sentInput().MessageAttributes?.reason.StringValue).toBe('r'.repeat(1023));
  });

  it('propagates a failed send', async () => {
    sqsMock.on(SendMessageCommand).rejects(new Error('queue gone'));
    await expect(deadLetters.reject('{}', 'bad', 'msg-46')).rejects.toThrow('queue gone');
  });
});
