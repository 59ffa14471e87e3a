// Least privilege, written out per function: each statement names the exact actions a function's
// code calls and the exact resources it calls them on. No grant* helpers (they add actions the code
// never uses) and no wildcard actions. Consuming an SQS trigger's queue is granted by its event source.
import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { DELIVERIES_BY_SUBSCRIPTION, DELIVERIES_PENDING, SUBSCRIPTIONS_BY_STATUS } from '../lambdas/storage/tables';
import type { FunctionId } from './functions';
import { SCHEDULER_SERVICE } from './scheduler';
import type { TableId } from './tables';

export interface PermissionTargets {
  tables: Record<TableId, dynamodb.ITable>;
  queues: { deliveries: sqs.IQueue; eventsDlq: sqs.IQueue };
  scheduler: { group: scheduler.IScheduleGroup; role: iam.IRole };
  notifications: sns.ITopic;
}

export function grantFunctionPermissions(functions: Record<FunctionId, lambda.IFunction>, targets: PermissionTargets): void {
  const { subscriptions, events, deliveries, attempts } = targets.tables;
  const deliveriesQueue = targets.queues.deliveries.queueArn;
  const allow = (fn: lambda.IFunction, actions: string[], resources: string[], conditions?: iam.Conditions) =>
    fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources, conditions }));

  const { ingest, sender, resend, sweeper } = functions;
  allow(ingest, ['dynamodb:PutItem', 'dynamodb:GetItem'], [events.tableArn]);
  allow(ingest, ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:Query'], [deliveries.tableArn]);
  allow(ingest, ['dynamodb:Query'], [indexArn(subscriptions, SUBSCRIPTIONS_BY_STATUS)]);
  // The events DLQ too: an invalid event is parked there with its reason, not retried.
  allow(ingest, ['sqs:SendMessage'], [deliveriesQueue, targets.queues.eventsDlq.queueArn]);

  allow(sender, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], [deliveries.tableArn]);
  allow(sender, ['dynamodb:GetItem'], [events.tableArn]);
  // Reads the subscription; writes it only when its health changes (failing, disabled after 410 or days of failures).
  allow(sender, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], [subscriptions.tableArn]);
  allow(sender, ['sns:Publish'], [targets.notifications.topicArn]);
  allow(sender, ['dynamodb:PutItem'], [attempts.tableArn]);
  allow(sender, ['sqs:SendMessage'], [deliveriesQueue]);
  allow(sender, ['scheduler:CreateSchedule'], [schedulesOf(targets.scheduler.group)]);
  // Creating a schedule passes the scheduler role; it may be passed to the Scheduler and nothing else.
  allow(sender, ['iam:PassRole'], [targets.scheduler.role.roleArn], {
    StringEquals: { 'iam:PassedToService': SCHEDULER_SERVICE },
  });

  allow(resend, ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'], [deliveries.tableArn]);
  allow(resend, ['dynamodb:Query'], [deliveries.tableArn, indexArn(deliveries, DELIVERIES_BY_SUBSCRIPTION)]);
  allow(resend, ['sqs:SendMessage'], [deliveriesQueue]);

  allow(functions.subscriptions, ['dynamodb:GetItem', 'dynamodb:PutItem'], [subscriptions.tableArn]);
  allow(functions.subscriptions, ['dynamodb:Query'], [indexArn(subscriptions, SUBSCRIPTIONS_BY_STATUS)]);

  allow(sweeper, ['dynamodb:Query'], [indexArn(deliveries, DELIVERIES_PENDING)]);
  allow(sweeper, ['dynamodb:BatchGetItem'], [deliveries.tableArn]);
  allow(sweeper, ['sqs:SendMessage'], [deliveriesQueue]);
}

function indexArn(table: dynamodb.ITable, indexName: string): string {
  return `${table.tableArn}/index/${indexName}`;
}

/** Every schedule in the group, and only there: `schedule/<group>/<name>`. */
function schedulesOf(group: scheduler.IScheduleGroup): string {
  return Stack.of(group).formatArn({
    service: 'scheduler',
    resource: 'schedule',
    resourceName: `${group.scheduleGroupName}/*`,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}
