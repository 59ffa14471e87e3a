// Least privilege, written out per function: each statement names the exact actions a function's
// code calls and the exact resources it calls them on. No grant* helpers (they add actions the code
// never uses) and no wildcard actions, but for the data-key actions SNS documents for publishing to
// an encrypted topic. Consuming an SQS trigger's queue is granted by its event source.
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { DELIVERIES_BY_SUBSCRIPTION, DELIVERIES_PENDING, SUBSCRIPTIONS_BY_STATUS } from '../lambdas/storage/tables';
import type { FunctionId } from './functions';
import { PUBLISH_KEY_ACTIONS } from './notifications';
import { SCHEDULER_SERVICE } from './scheduler';
import type { TableId } from './tables';

export interface PermissionTargets {
  tables: Record<TableId, dynamodb.ITable>;
  queues: { deliveries: sqs.IQueue; slowDeliveries: sqs.IQueue; eventsDlq: sqs.IQueue };
  scheduler: { schedulesArn: string; role: iam.IRole };
  notifications: { topic: sns.ITopic; key: kms.IKey };
}

export function grantFunctionPermissions(functions: Record<FunctionId, lambda.IFunction>, targets: PermissionTargets): void {
  const { subscriptions, events, deliveries, attempts, fanouts } = targets.tables;
  const deliveriesQueue = targets.queues.deliveries.queueArn;
  const allow = (fn: lambda.IFunction, actions: string[], resources: string[], conditions?: iam.Conditions) =>
    fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources, conditions }));

  const { ingest, resend, sweeper } = functions;
  const slowQueue = targets.queues.slowDeliveries.queueArn;
  allow(ingest, ['dynamodb:PutItem', 'dynamodb:GetItem'], [events.tableArn]);
  // Deliveries are stored by their first claim; ingest writes only those of disabled subscriptions
  // (paused, conditional puts) and reads an event's deliveries when the event comes again.
  allow(ingest, ['dynamodb:PutItem', 'dynamodb:Query'], [deliveries.tableArn]);
  allow(ingest, ['dynamodb:PutItem'], [fanouts.tableArn]);
  allow(ingest, ['dynamodb:Query'], [indexArn(subscriptions, SUBSCRIPTIONS_BY_STATUS)]);
  // The events DLQ too: an invalid event is parked there with its reason, not retried.
  allow(ingest, ['sqs:SendMessage'], [deliveriesQueue, targets.queues.eventsDlq.queueArn]);
  // Fan-out sends degraded subscriptions' first wake-ups to the slow lane.
  allow(ingest, ['sqs:SendMessage'], [slowQueue]);

  // The slow lane's sender runs the sender's code: the same rights. Either lane may wake the other.
  for (const sender of [functions.sender, functions.slowSender]) {
    allow(sender, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], [deliveries.tableArn]);
    allow(sender, ['dynamodb:GetItem'], [events.tableArn]);
    // Reads the subscription; writes it only when its health or circuit changes (failing, disabled,
    // a run of failures, a probe, a slow attempt), each with a conditional update.
    allow(sender, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], [subscriptions.tableArn]);
    allow(sender, ['sns:Publish'], [targets.notifications.topic.topicArn]);
    // The topic is encrypted: SNS encrypts each published message with a data key made under the
    // publisher's identity, so publishing needs the documented key actions, on the topic's key only.
    allow(sender, PUBLISH_KEY_ACTIONS, [targets.notifications.key.keyArn]);
    allow(sender, ['dynamodb:PutItem'], [attempts.tableArn]);
    allow(sender, ['sqs:SendMessage'], [deliveriesQueue, slowQueue]);
    allow(sender, ['scheduler:CreateSchedule'], [targets.scheduler.schedulesArn]);
    // Creating a schedule passes the scheduler role; it may be passed to the Scheduler and nothing else.
    allow(sender, ['iam:PassRole'], [targets.scheduler.role.roleArn], {
      StringEquals: { 'iam:PassedToService': SCHEDULER_SERVICE },
    });
  }

  allow(resend, ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem'], [deliveries.tableArn]);
  // An event's plan names its deliveries not attempted yet; a delivered attempt kept on the delivery
  // item moves to the attempt log when a resend restarts it.
  allow(resend, ['dynamodb:GetItem'], [events.tableArn]);
  allow(resend, ['dynamodb:PutItem'], [attempts.tableArn]);
  allow(resend, ['dynamodb:Query'], [deliveries.tableArn, indexArn(deliveries, DELIVERIES_BY_SUBSCRIPTION)]);
  allow(resend, ['sqs:SendMessage'], [deliveriesQueue]);

  allow(functions.subscriptions, ['dynamodb:GetItem', 'dynamodb:PutItem'], [subscriptions.tableArn]);
  allow(functions.subscriptions, ['dynamodb:Query'], [indexArn(subscriptions, SUBSCRIPTIONS_BY_STATUS)]);

  // Read-only support queries: a delivery by id (GetItem), by event (Query on the table) or by
  // subscription window (Query on the keys-only index, then BatchGetItem), with its attempt log.
  allow(functions.deliveries, ['dynamodb:GetItem', 'dynamodb:BatchGetItem'], [deliveries.tableArn]);
  allow(functions.deliveries, ['dynamodb:Query'], [deliveries.tableArn, indexArn(deliveries, DELIVERIES_BY_SUBSCRIPTION)]);
  allow(functions.deliveries, ['dynamodb:Query'], [attempts.tableArn]);
  allow(functions.deliveries, ['dynamodb:GetItem'], [events.tableArn]);
  // The subscription's circuit, shown with its deliveries.
  allow(functions.deliveries, ['dynamodb:GetItem'], [subscriptions.tableArn]);

  allow(sweeper, ['dynamodb:Query'], [indexArn(deliveries, DELIVERIES_PENDING)]);
  allow(sweeper, ['dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], [deliveries.tableArn]);
  allow(sweeper, ['dynamodb:GetItem'], [events.tableArn]);
  // The fan-out log: minutes read once, and the checkpoint of the minutes done.
  allow(sweeper, ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:PutItem'], [fanouts.tableArn]);
  allow(sweeper, ['sqs:SendMessage'], [deliveriesQueue]);
}

function indexArn(table: dynamodb.ITable, indexName: string): string {
  return `${table.tableArn}/index/${indexName}`;
}

