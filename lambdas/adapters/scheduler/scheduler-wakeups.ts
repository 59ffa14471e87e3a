import { CreateScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { scheduleNameOf } from '../../domain/delivery-id';
import type { WakeupScheduler } from '../../domain/ports';
import type { DeliveryWakeup } from '../../domain/types';
import { formatWakeup, SCHEDULE_INPUT_MAX_BYTES } from '../../domain/wakeup-message';
import { atExpression } from './at-expression';

export interface EventBridgeWakeupSchedulerOptions {
  scheduler: SchedulerClient;
  groupName: string;
  /** The deliveries queue: the schedule sends the wakeup there. */
  queueArn: string;
  /** Role the scheduler assumes to send to that queue. */
  roleArn: string;
}

export class EventBridgeWakeupScheduler implements WakeupScheduler {
  private readonly scheduler: SchedulerClient;
  private readonly groupName: string;
  private readonly queueArn: string;
  private readonly roleArn: string;

  constructor({ scheduler, groupName, queueArn, roleArn }: EventBridgeWakeupSchedulerOptions) {
    this.scheduler = scheduler;
    this.groupName = groupName;
    this.queueArn = queueArn;
    this.roleArn = roleArn;
  }

  async scheduleAt(wakeup: DeliveryWakeup, at: Date): Promise<void> {
    try {
      await this.scheduler.send(
        new CreateScheduleCommand({
          Name: scheduleNameOf(wakeup.deliveryId, wakeup.attempt),
          GroupName: this.groupName,
          ScheduleExpression: atExpression(at),
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Target: { Arn: this.queueArn, RoleArn: this.roleArn, Input: formatWakeup(wakeup, SCHEDULE_INPUT_MAX_BYTES) },
        }),
      );
    } catch (error) {
      // The name is derived from the wakeup, so a conflict means this very wakeup is already scheduled
      // (a retried sender invocation): the job is done.
      if (isConflict(error)) return;
      throw error;
    }
  }
}

function isConflict(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConflictException';
}
