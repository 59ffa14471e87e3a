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
import { SECRETS_ENCRYPTION_CONTEXT } from '../lambdas/adapters/crypto/kms-data-keys';
import { QUEUE_LAG_BUCKET } from '../lambdas/adapters/dynamo/queue-lag-store';
import { WAIT_BUCKET_PREFIX } from '../lambdas/adapters/dynamo/wait-list';
import { VERSION_ITEM_ID } from '../lambdas/adapters/dynamo/subscription-items';
import { DELIVERIES_BY_SUBSCRIPTION, DELIVERIES_PENDING, SUBSCRIPTIONS_BY_STATUS } from '../lambdas/storage/tables';
import type { FunctionId } from './functions';
import { PUBLISH_KEY_ACTIONS } from './notifications';
import { SCHEDULER_SERVICE } from './scheduler';
import type { TableId } from './tables';

export interface PermissionTargets {
  tables: Record<TableId, dynamodb.ITable>;
  queues: { events: sqs.IQueue; deliveries: sqs.IQueue; slowDeliveries: sqs.IQueue; eventsDlq: sqs.IQueue; deliveriesDlq: sqs.IQueue };
  scheduler: { schedulesArn: string; role: iam.IRole };
  notifications: { topic: sns.ITopic; key: kms.IKey };
  secretsKey: kms.IKey;
}

export function grantFunctionPermissions(functions: Record<FunctionId, lambda.IFunction>, targets: PermissionTargets): void {
  grantIngest(functions.ingest, targets);
  // The slow lane's sender runs the sender's code: the same rights. Either lane may wake the other.
  for (const sender of [functions.sender, functions.slowSender]) grantSender(sender, targets);
  grantResend(functions.resend, targets);
  grantSubscriptions(functions.subscriptions, targets);
  grantDeliveries(functions.deliveries, targets);
  grantSweeper(functions.sweeper, targets);
  grantDeadLetters(functions['dead-letters'], targets);
}

function allow(fn: lambda.IFunction, actions: string[], resources: string[], conditions?: iam.Conditions): void {
  fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources, conditions }));
}

/** Data keys of the subscriptions' secrets: made and unwrapped under this key, for that purpose only. */
function allowSecrets(fn: lambda.IFunction, targets: PermissionTargets): void {
  allow(fn, ['kms:GenerateDataKey', 'kms:Decrypt'], [targets.secretsKey.keyArn], { StringEquals: secretsContextCondition });
}

function grantIngest(ingest: lambda.IFunction, targets: PermissionTargets): void {
  const { subscriptions, events, deliveries, fanouts } = targets.tables;
  allow(ingest, ['dynamodb:PutItem', 'dynamodb:GetItem'], [events.tableArn]);
  // Deliveries are stored by their first claim; ingest writes only those of disabled subscriptions
  // (paused, conditional puts) and reads an event's deliveries by id when the event comes again.
  allow(ingest, ['dynamodb:PutItem', 'dynamodb:BatchGetItem'], [deliveries.tableArn]);
  allow(ingest, ['dynamodb:PutItem'], [fanouts.tableArn]);
  // Fan-out reads the index (ids, statuses, event types, what picks the lane: all it holds) and the
  // subscriptions' version item, that item only: ingest never reads a subscription's (sealed)
  // secrets, and holds no key to open them.
  allow(ingest, ['dynamodb:Query'], [indexArn(subscriptions, SUBSCRIPTIONS_BY_STATUS)]);
  allow(ingest, ['dynamodb:GetItem'], [subscriptions.tableArn], {
    'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [VERSION_ITEM_ID] },
  });
  // The events DLQ too: an invalid event is parked there with its reason, not retried.
  allow(ingest, ['sqs:SendMessage'], [targets.queues.deliveries.queueArn, targets.queues.eventsDlq.queueArn]);
  // Fan-out sends degraded subscriptions' first wake-ups to the slow lane.
  allow(ingest, ['sqs:SendMessage'], [targets.queues.slowDeliveries.queueArn]);
}

function grantSender(sender: lambda.IFunction, targets: PermissionTargets): void {
  const { subscriptions, events, deliveries, attempts, limits, fanouts } = targets.tables;
  allow(sender, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], [deliveries.tableArn]);
  allow(sender, ['dynamodb:GetItem'], [events.tableArn]);
  // Reads the subscription; writes it only when its health or circuit changes (failing, disabled,
  // a run of failures, a probe, a slow attempt), each with a conditional update.
  allow(sender, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], [subscriptions.tableArn]);
  // Opens the subscription's sealed secrets to send, and seals them again when it disables one.
  allowSecrets(sender, targets);
  allow(sender, ['sns:Publish'], [targets.notifications.topic.topicArn]);
  // The topic is encrypted: SNS encrypts each published message with a data key made under the
  // publisher's identity, so publishing needs the documented key actions, on the topic's key only.
  allow(sender, PUBLISH_KEY_ACTIONS, [targets.notifications.key.keyArn]);
  allow(sender, ['dynamodb:PutItem'], [attempts.tableArn]);
  // Per-subscription limits: slot leases and lines of send times, each a conditional update; a slot
  // is given back with a conditional delete, and read back where a failed condition did not say.
  allow(sender, ['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem'], [limits.tableArn]);
  allow(sender, ['sqs:SendMessage'], [targets.queues.deliveries.queueArn, targets.queues.slowDeliveries.queueArn]);
  // How late it takes wake-ups, for the sweeper (queue-lag.ts): those items of the fan-out log table only.
  allow(sender, ['dynamodb:UpdateItem'], [fanouts.tableArn], {
    'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [QUEUE_LAG_BUCKET] },
  });
  // The wait lists behind open circuits (wait-list.ts), for their close to release: those items only.
  allow(sender, ['dynamodb:PutItem', 'dynamodb:Query'], [fanouts.tableArn], {
    'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${WAIT_BUCKET_PREFIX}*`] },
  });
  allow(sender, ['scheduler:CreateSchedule'], [targets.scheduler.schedulesArn]);
  // Creating a schedule passes the scheduler role; it may be passed to the Scheduler and nothing else.
  allow(sender, ['iam:PassRole'], [targets.scheduler.role.roleArn], {
    StringEquals: { 'iam:PassedToService': SCHEDULER_SERVICE },
  });
}

function grantResend(resend: lambda.IFunction, targets: PermissionTargets): void {
  const { events, deliveries, attempts } = targets.tables;
  allow(resend, ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem'], [deliveries.tableArn]);
  // An event's plan names its deliveries not attempted yet; a delivered attempt kept on the delivery
  // item moves to the attempt log when a resend restarts it.
  allow(resend, ['dynamodb:GetItem'], [events.tableArn]);
  allow(resend, ['dynamodb:PutItem'], [attempts.tableArn]);
  allow(resend, ['dynamodb:Query'], [deliveries.tableArn, indexArn(deliveries, DELIVERIES_BY_SUBSCRIPTION)]);
  allow(resend, ['sqs:SendMessage'], [targets.queues.deliveries.queueArn]);
}

function grantSubscriptions(fn: lambda.IFunction, targets: PermissionTargets): void {
  const { subscriptions, events, fanouts } = targets.tables;
  // PutItem: a new subscription. UpdateItem: support's changes, and the version item every subscription write changes.
  allow(fn, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], [subscriptions.tableArn]);
  allowSecrets(fn, targets);
  // The list: ids from the index (it holds only what fan-out reads), the items from the table.
  allow(fn, ['dynamodb:Query'], [indexArn(subscriptions, SUBSCRIPTIONS_BY_STATUS)]);
  allow(fn, ['dynamodb:BatchGetItem'], [subscriptions.tableArn]);
  // `test`: a test event stored with a plan naming one subscription, in the fan-out log, woken once.
  allow(fn, ['dynamodb:PutItem'], [events.tableArn, fanouts.tableArn]);
  allow(fn, ['sqs:SendMessage'], [targets.queues.deliveries.queueArn]);
}

/**
 * Read-only support queries: a delivery by id (GetItem), by event (Query on the table) or by
 * subscription window (Query on the keys-only index, then BatchGetItem), with its attempt log.
 */
function grantDeliveries(fn: lambda.IFunction, targets: PermissionTargets): void {
  const { subscriptions, events, deliveries, attempts } = targets.tables;
  allow(fn, ['dynamodb:GetItem', 'dynamodb:BatchGetItem'], [deliveries.tableArn]);
  allow(fn, ['dynamodb:Query'], [deliveries.tableArn, indexArn(deliveries, DELIVERIES_BY_SUBSCRIPTION)]);
  allow(fn, ['dynamodb:Query'], [attempts.tableArn]);
  allow(fn, ['dynamodb:GetItem'], [events.tableArn]);
  // The subscription's circuit, shown with its deliveries.
  allow(fn, ['dynamodb:GetItem'], [subscriptions.tableArn]);
}

function grantSweeper(sweeper: lambda.IFunction, targets: PermissionTargets): void {
  const { events, deliveries, fanouts } = targets.tables;
  allow(sweeper, ['dynamodb:Query'], [indexArn(deliveries, DELIVERIES_PENDING)]);
  allow(sweeper, ['dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], [deliveries.tableArn]);
  allow(sweeper, ['dynamodb:GetItem'], [events.tableArn]);
  // The fan-out log: minutes read once, the checkpoint of the minutes done, the senders' lateness,
  // and the table's creation time, before which a first run need not look.
  allow(sweeper, ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DescribeTable'], [fanouts.tableArn]);
  allow(sweeper, ['sqs:SendMessage'], [targets.queues.deliveries.queueArn]);
}

/**
 * Support's dead-letter operations: walk a DLQ (receive, release what is kept, delete what is
 * redriven or purged, count it) and send redriven messages back to the work queue it came from.
 */
function grantDeadLetters(fn: lambda.IFunction, targets: PermissionTargets): void {
  const { queues } = targets;
  allow(
    fn,
    ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
    [queues.eventsDlq.queueArn, queues.deliveriesDlq.queueArn],
  );
  allow(fn, ['sqs:SendMessage'], [queues.events.queueArn, queues.deliveries.queueArn]);
}

const secretsContextCondition = Object.fromEntries(
  Object.entries(SECRETS_ENCRYPTION_CONTEXT).map(([key, value]) => [`kms:EncryptionContext:${key}`, value]),
);

function indexArn(table: dynamodb.ITable, indexName: string): string {
  return `${table.tableArn}/index/${indexName}`;
}
