import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { SqsWakeupQueue } from '../../lambdas/adapters/sqs/sqs-wakeup-queue';
import type { DeliveryWakeup } from '../../lambdas/domain/types';
import { parseWakeup } from '../../lambdas/domain/wakeup-message';

const QUEUE_URL = 'https://sqs.eu-central-1.amazonaws.com/123456789012/deliveries';
const sqsMock = mockClient(SQSClient);
// The client classes outlive this file where test files share a worker: leave them unmocked.
afterAll(() => {
  sqsMock.restore();
});
const queue = new SqsWakeupQueue({ sqs: new SQSClient({ region: 'eu-central-1' }), queueUrl: QUEUE_URL });

const wakeups: DeliveryWakeup[] = Array.from({ length: 23 }, (_, i) => ({
  deliveryId: `evt-${i}.sub_aaaaaaaaaaaaaaaaaaaa`,
  attempt: (i % 3) + 1,
}));

beforeEach(() => {
  sqsMock.reset();
});

describe('SqsWakeupQueue.sendNow', () => {
  it('sends in batches of ten, one message per wakeup carrying only the wakeup', async () => {
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    expect(await queue.sendNow(wakeups)).toEqual([]);

    const calls = sqsMock.commandCalls(SendMessageBatchCommand);
    expect(calls.map((call) => call.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    const entries = calls.flatMap((call) => {
      expect(call.args[0].input.QueueUrl).toBe(QUEUE_URL);
      const chunk = call.args[0].input.Entries ?? [];
      expect(new Set(chunk.map((entry) => entry.Id)).size).toBe(chunk.length);
      return chunk;
    });
    expect(entries.map((entry) => JSON.parse(entry.MessageBody ?? '') as unknown)).toEqual(wakeups);
    expect(entries[0].MessageBody).toBe('{"deliveryId":"evt-0.sub_aaaaaaaaaaaaaaaaaaaa","attempt":1}');
    // The subscription as the message group: SQS serves the queue fairly by subscription.
    expect(new Set(entries.map((entry) => entry.MessageGroupId))).toEqual(new Set(['sub_aaaaaaaaaaaaaaaaaaaa']));
  });

  it("sends each wake-up in its own subscription's message group", async () => {
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    await queue.sendNow([
      { deliveryId: 'evt-1.sub_aaaaaaaaaaaaaaaaaaaa', attempt: 1 },
      { deliveryId: 'evt.with.dots.sub_bbbbbbbbbbbbbbbbbbbb', attempt: 1 },
    ]);
    const [call] = sqsMock.commandCalls(SendMessageBatchCommand);
    expect(call.args[0].input.Entries?.map((entry) => entry.MessageGroupId)).toEqual([
      'sub_aaaaaaaaaaaaaaaaaaaa',
      'sub_bbbbbbbbbbbbbbbbbbbb',
    ]);
  });

  it('returns the wakeups whose entries SQS refused', async () => {
    sqsMock
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Failed: [] })
      .callsFakeOnce((input: { Entries: { Id: string }[] }) => ({
        Successful: [],
        Failed: [input.Entries[0], input.Entries[9]].map((entry) => ({
          Id: entry.Id,
          Code: 'InternalError',
          SenderFault: false,
        })),
      }))
      .callsFakeOnce((input: { Entries: { Id: string }[] }) => ({
        Failed: [{ Id: input.Entries[2].Id, Code: 'InternalError', SenderFault: false }],
      }));

    expect(await queue.sendNow(wakeups)).toEqual([wakeups[10], wakeups[19], wakeups[22]]);
  });

  it('returns the wake-ups of a failed call when an earlier call went through', async () => {
    sqsMock.on(SendMessageBatchCommand).resolvesOnce({ Successful: [], Failed: [] }).rejects(new Error('throttled'));
    const failed = await queue.sendNow(wakeups.slice(0, 13));
    expect(failed).toEqual(wakeups.slice(10, 13));
  });

  it('lets a failed call throw when nothing was sent', async () => {
    sqsMock.on(SendMessageBatchCommand).rejects(new Error('throttled'));
    await expect(queue.sendNow(wakeups.slice(0, 2))).rejects.toThrow('throttled');
  });

  it('makes no call for no wakeups', async () => {
    expect(await queue.sendNow([])).toEqual([]);
    expect(sqsMock.calls()).toHaveLength(0);
  });
});

describe('SqsWakeupQueue.sendDelayed', () => {
  it('sends one message with the delay in seconds', async () => {
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm-1' });

    await queue.sendDelayed({ deliveryId: 'evt-1.sub_bbbbbbbbbbbbbbbbbbbb', attempt: 2 }, 600_000);

    const [call] = sqsMock.commandCalls(SendMessageCommand);
    expect(call.args[0].input).toEqual({
      QueueUrl: QUEUE_URL,
      MessageBody: '{"deliveryId":"evt-1.sub_bbbbbbbbbbbbbbbbbbbb","attempt":2}',
      DelaySeconds: 600,
      MessageGroupId: 'sub_bbbbbbbbbbbbbbbbbbbb',
      MessageAttributes: { wakeAt: { DataType: 'Number', StringValue: expect.stringMatching(/^\d+$/) } },
    });
    // When it is due, so that the sender can tell how late it took the wake-up.
    const wakeAt = Number(call.args[0].input.MessageAttributes!.wakeAt.StringValue);
    expect(Math.abs(wakeAt - (Date.now() + 600_000))).toBeLessThan(5_000);
  });

  it.each([
    [0, 0],
    [1, 1],
    [200, 1],
    [1500, 2],
    [900_000, 900],
  ])('rounds %i ms up to %i s, never early', async (delayMs, seconds) => {
    sqsMock.on(SendMessageCommand).resolves({});
    await queue.sendDelayed(wakeups[0], delayMs);
    expect(sqsMock.commandCalls(SendMessageCommand)[0].args[0].input.DelaySeconds).toBe(seconds);
  });

  it.each([-1, 900_001, Number.NaN])('refuses the delay %d ms without calling SQS', async (delay) => {
    await expect(queue.sendDelayed(wakeups[0], delay)).rejects.toThrow(RangeError);
    expect(sqsMock.calls()).toHaveLength(0);
  });
});

describe('SqsWakeupQueue: wake-ups that carry their event', () => {
  const event = { type: 'form_submission', receivedAt: '2026-11-27T13:00:00.000Z' };
  const bodyOf = (kib: number) => `{"type":"form_submission","pad":"${'x'.repeat(kib * 1024)}"}`;

  it('keeps each SendMessageBatch within 256 KiB, and each body byte for byte', async () => {
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const large = Array.from({ length: 5 }, (_, i) => ({
      deliveryId: `big-${i}.sub_aaaaaaaaaaaaaaaaaaaa`,
      attempt: 1,
      event: { ...event, body: bodyOf(100) },
    }));
    expect(await queue.sendNow(large)).toEqual([]);
    const calls = sqsMock.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.Entries ?? []);
    expect(calls.map((entries) => entries.length)).toEqual([2, 2, 1]);
    for (const entries of calls) {
      expect(entries.reduce((sum, entry) => sum + Buffer.byteLength(entry.MessageBody ?? ''), 0)).toBeLessThanOrEqual(256 * 1024);
    }
    expect(calls.flat().map((entry) => parseWakeup(entry.MessageBody ?? ''))).toEqual(large);
  });

  it('leaves out a body that would make the message larger than 256 KiB: the sender reads it from the table', async () => {
    sqsMock.on(SendMessageCommand).resolves({});
    const wakeup = { deliveryId: 'huge.sub_aaaaaaaaaaaaaaaaaaaa', attempt: 2, event: { ...event, body: bodyOf(256) } };
    await queue.sendDelayed(wakeup, 1000);
    const body = sqsMock.commandCalls(SendMessageCommand)[0].args[0].input.MessageBody ?? '';
    expect(parseWakeup(body)).toEqual({ deliveryId: wakeup.deliveryId, attempt: 2, event });
  });
});
