import { ConflictException, CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { atExpression } from '../../lambdas/adapters/scheduler/at-expression';
import { EventBridgeWakeupScheduler } from '../../lambdas/adapters/scheduler/scheduler-wakeups';
import { scheduleNameOf } from '../../lambdas/domain/delivery-id';
import { parseWakeup, SCHEDULE_INPUT_MAX_BYTES } from '../../lambdas/domain/wakeup-message';

const QUEUE_ARN = 'arn:aws:sqs:eu-central-1:123456789012:deliveries';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/scheduler-to-deliveries';
const schedulerMock = mockClient(SchedulerClient);
// The client classes outlive this file where test files share a worker: leave them unmocked.
afterAll(() => {
  schedulerMock.restore();
});
const scheduler = new EventBridgeWakeupScheduler({
  scheduler: new SchedulerClient({ region: 'eu-central-1' }),
  groupName: 'crm-webhooks-retries',
  queueArn: QUEUE_ARN,
  roleArn: ROLE_ARN,
});
const wakeup = { deliveryId: '179.sub_abcdefghijklmnopqrst', attempt: 4 };

beforeEach(() => {
  schedulerMock.reset();
  schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:::schedule/x' });
});

describe('atExpression', () => {
  it('formats a whole second in UTC', () => {
    expect(atExpression(new Date('2026-11-27T13:05:09.000Z'))).toBe('at(2026-11-27T13:05:09)');
  });

  it('rounds a fraction of a second up, never down', () => {
    expect(atExpression(new Date('2026-11-27T13:05:09.001Z'))).toBe('at(2026-11-27T13:05:10)');
    expect(atExpression(new Date('2026-12-31T23:59:59.999Z'))).toBe('at(2027-01-01T00:00:00)');
  });

  it('refuses an invalid date', () => {
    expect(() => atExpression(new Date('nonsense'))).toThrow(RangeError);
  });
});

describe('EventBridgeWakeupScheduler', () => {
  it('creates a one-time schedule that sends the wakeup to the deliveries queue and deletes itself', async () => {
    await scheduler.scheduleAt(wakeup, new Date('2026-11-28T01:02:03.400Z'));

    const calls = schedulerMock.commandCalls(CreateScheduleCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual({
      Name: scheduleNameOf(wakeup.deliveryId, wakeup.attempt),
      GroupName: 'crm-webhooks-retries',
      ScheduleExpression: 'at(2026-11-28T01:02:04)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: QUEUE_ARN,
        RoleArn: ROLE_ARN,
        Input: '{"deliveryId":"179.sub_abcdefghijklmnopqrst","attempt":4}',
      },
    });
  });

  it('names the schedule after the wakeup, so a repeat targets the same schedule', async () => {
    await scheduler.scheduleAt(wakeup, new Date('2026-11-28T01:00:00Z'));
    await scheduler.scheduleAt(wakeup, new Date('2026-11-28T02:00:00Z'));
    await scheduler.scheduleAt({ ...wakeup, attempt: 5 }, new Date('2026-11-28T03:00:00Z'));

    const names = schedulerMock.commandCalls(CreateScheduleCommand).map((call) => call.args[0].input.Name);
    expect(names[0]).toBe(names[1]);
    expect(names[2]).not.toBe(names[0]);
    for (const name of names) expect(name).toMatch(/^[0-9a-zA-Z._-]{1,64}$/);
  });

  it('treats an existing schedule of the same wakeup as done', async () => {
    const exists = 'Schedule already exists.';
    schedulerMock.on(CreateScheduleCommand).rejects(new ConflictException({ message: exists, Message: exists, $metadata: {} }));
    await expect(scheduler.scheduleAt(wakeup, new Date('2026-11-28T01:00:00Z'))).resolves.toBeUndefined();
  });

  it('lets any other error through', async () => {
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
    schedulerMock.on(CreateScheduleCommand).rejects(denied);
    await expect(scheduler.scheduleAt(wakeup, new Date('2026-11-28T01:00:00Z'))).rejects.toThrow('not authorized');
  });
});

describe('EventBridgeWakeupScheduler: the event in the schedule', () => {
  const event = { type: 'donation', receivedAt: '2026-11-27T13:00:00.000Z' };

  it('carries a body of up to 64 KB of input, and leaves a larger one to be read from the table', async () => {
    const small = '{"type":"donation","id":179}';
    const large = `{"type":"donation","pad":"${'x'.repeat(SCHEDULE_INPUT_MAX_BYTES)}"}`;
    await scheduler.scheduleAt({ ...wakeup, event: { ...event, body: small } }, new Date('2026-11-27T14:00:00Z'));
    await scheduler.scheduleAt({ ...wakeup, attempt: 5, event: { ...event, body: large } }, new Date('2026-11-27T15:00:00Z'));
    const inputs = schedulerMock.commandCalls(CreateScheduleCommand).map((call) => call.args[0].input.Target!.Input!);
    expect(parseWakeup(inputs[0])).toEqual({ ...wakeup, event: { ...event, body: small } });
    expect(parseWakeup(inputs[1])).toEqual({ ...wakeup, attempt: 5, event });
    expect(Buffer.byteLength(inputs[1])).toBeLessThan(200);
  });
});
