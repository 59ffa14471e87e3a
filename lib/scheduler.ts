// Retry waits longer than SQS's 15-minute maximum delay become one-time EventBridge Scheduler
// schedules. They live in a group of their own, and the role they run with can do one thing:
// send a wake-up message to the deliveries queue.
import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export const SCHEDULER_SERVICE = 'scheduler.amazonaws.com';

export interface RetrySchedulerProps {
  deliveriesQueue: sqs.IQueue;
}

export class RetryScheduler extends Construct {
  readonly group: scheduler.ScheduleGroup;
  /** The role the sender passes to every schedule it creates. */
  readonly role: iam.Role;
  /** Every schedule in the group, and only there: `schedule/<group>/*`. */
  readonly schedulesArn: string;

  constructor(scope: Construct, id: string, props: RetrySchedulerProps) {
    super(scope, id);
    this.group = new scheduler.ScheduleGroup(this, 'Group', {
      // Schedules only wake the sender of this stack; the retained tables are the source of truth
      // (the sweeper finds any delivery whose schedule is gone), so the group goes with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.schedulesArn = Stack.of(this).formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.group.scheduleGroupName}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    this.role = new iam.Role(this, 'Role', {
      description: 'Lets retry schedules send a wake-up message to the deliveries queue, nothing else',
      // Only schedules of this account may use the role (confused-deputy protection).
      assumedBy: new iam.ServicePrincipal(SCHEDULER_SERVICE, {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    });
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [props.deliveriesQueue.queueArn] }));
  }
}
