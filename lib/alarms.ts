// The alarms, each notifying the support topic. Every alarm says what it means and what to do; the
// runbook in docs/operations.md (Alarms) is the longer version. Thresholds come from CDK context
// (lib/stack-config.ts). Missing data is never a breach: SQS stops reporting an idle queue, Lambda
// reports nothing for a function that was not invoked, and the service's own metrics are only
// written when something happened.
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FunctionId } from './functions';
import { CLOUDWATCH_SERVICE } from './notifications';
import { serviceMetric } from './service-metrics';
import type { StackConfig } from './stack-config';

/**
 * Functions whose throttling is never by design. The sweeper (reserved concurrency 1) and the
 * support functions (capped; the caller sees the throttle) are throttled on purpose, and the
 * senders' queue triggers cap them below throttling; a throttle of ingest or the sender means the
 * account's concurrency ran out, one of the slow sender that its reserved concurrency was taken away.
 */
export const THROTTLE_WATCHED = ['ingest', 'sender', 'slowSender'] as const satisfies readonly FunctionId[];
/** Functions whose errors are never the caller's: support functions answer bad input with an error. */
export const ERROR_WATCHED = ['ingest', 'sender', 'slowSender', 'sweeper'] as const satisfies readonly FunctionId[];
type ErrorWatched = (typeof ERROR_WATCHED)[number];
type ThrottleWatched = (typeof THROTTLE_WATCHED)[number];

export type AlarmId =
  | 'eventsDlq'
  | 'deliveriesDlq'
  | 'eventsQueueAge'
  | 'deliveriesQueueAge'
  | 'slowDeliveriesQueueAge'
  | 'deliveriesFailed'
  | 'sweeperBehind'
  | `${ErrorWatched}Errors`
  | `${ThrottleWatched}Throttles`;

export type AlarmThresholds = Pick<
  StackConfig,
  | 'alarmEventsQueueAgeSeconds'
  | 'alarmDeliveriesQueueAgeSeconds'
  | 'alarmSlowDeliveriesQueueAgeSeconds'
  | 'alarmDeliveriesFailed'
  | 'alarmFunctionErrors'
  | 'alarmFunctionThrottles'
>;

export interface AlarmsProps {
  queues: { events: sqs.IQueue; deliveries: sqs.IQueue; slowDeliveries: sqs.IQueue; eventsDlq: sqs.IQueue; deliveriesDlq: sqs.IQueue };
  functions: Record<FunctionId, lambda.IFunction>;
  thresholds: AlarmThresholds;
  /** Where alarms notify support. */
  topic: sns.ITopic;
}

/** The given-up count is summed per hour: a delivery gives up at most once, about two days after its event. */
export const DELIVERIES_FAILED_PERIOD = Duration.hours(1);
const PERIOD = Duration.minutes(5);
/** Two runs' worth of minutes behind (it runs every 5 minutes): more than a slow run. */
const SWEEPER_BEHIND_MINUTES = 10;

interface AlarmSpec {
  /** Suffix of the alarm's name, after the stack name. */
  name: string;
  metric: cloudwatch.IMetric;
  threshold: number;
  comparisonOperator: cloudwatch.ComparisonOperator;
  /** What it means, then what to do. CloudWatch keeps at most 1024 characters. */
  description: string;
}

const AT_LEAST = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;
const ABOVE = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD;

export class Alarms extends Construct {
  readonly byId: Record<AlarmId, cloudwatch.Alarm>;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const specs = alarmSpecs(props);
    const stackName = Stack.of(this).stackName;
    const byId: Partial<Record<AlarmId, cloudwatch.Alarm>> = {};
    for (const [alarmId, spec] of Object.entries(specs) as [AlarmId, AlarmSpec][]) {
      const alarm = new cloudwatch.Alarm(this, alarmId, {
        // Named after the stack, so a notification says which deployment and which alarm at a glance.
        alarmName: `${stackName}-${spec.name}`,
        alarmDescription: spec.description,
        metric: spec.metric,
        threshold: spec.threshold,
        comparisonOperator: spec.comparisonOperator,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(new actions.SnsAction(props.topic));
      byId[alarmId] = alarm;
    }
    this.byId = byId as Record<AlarmId, cloudwatch.Alarm>;

    // A topic with a policy of its own (enforceSSL gives it one) loses SNS's default policy, the one
    // that let the account's alarms publish; CloudWatch publishes as its service principal, so without
    // this statement every alarm notification is refused. Only these alarms may publish.
    props.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowAlarmsToPublish',
        principals: [new iam.ServicePrincipal(CLOUDWATCH_SERVICE)],
        actions: ['sns:Publish'],
        resources: [props.topic.topicArn],
        conditions: { ArnEquals: { 'aws:SourceArn': Object.values(this.byId).map((alarm) => alarm.alarmArn) } },
      }),
    );
  }

  get all(): cloudwatch.Alarm[] {
    return Object.values(this.byId);
  }
}

function alarmSpecs(props: AlarmsProps): Record<AlarmId, AlarmSpec> {
  return {
    ...deadLetterAlarms(props.queues),
    ...queueAgeAlarms(props),
    ...serviceAlarms(props.thresholds),
    ...errorAlarms(props),
    ...throttleAlarms(props),
  };
}

const maxOver = (metric: cloudwatch.Metric) => metric.with({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM });

function deadLetterAlarms(queues: AlarmsProps['queues']): Pick<Record<AlarmId, AlarmSpec>, 'eventsDlq' | 'deliveriesDlq'> {
  return {
    eventsDlq: {
      name: 'events-dlq',
      metric: maxOver(queues.eventsDlq.metricApproximateNumberOfMessagesVisible()),
      threshold: 1,
      comparisonOperator: AT_LEAST,
      description:
        'Events are waiting in the events dead-letter queue: the CRM published events that could not be accepted. ' +
        'Invalid events (not JSON, too large, no `type`, a bad `id`) are parked there by ingest with a "reason" message attribute; ' +
        'an event that failed ingest 5 times lands there without one (ingest was failing: see its errors). ' +
        'Do: read the messages and their reasons in the SQS console (Poll for messages). ' +
        'Invalid events: tell the CRM team and delete them. ' +
        'Events that failed for a reason of ours: after the fix, start a DLQ redrive to the events queue; re-ingesting is idempotent.',
    },
    // Both lanes' wake-ups fail over to this one queue: the slow lane has no DLQ of its own.
    deliveriesDlq: {
      name: 'deliveries-dlq',
      metric: maxOver(queues.deliveriesDlq.metricApproximateNumberOfMessagesVisible()),
      threshold: 1,
      comparisonOperator: AT_LEAST,
      description:
        'Wake-ups are waiting in the deliveries dead-letter queue: the sender or the slow sender (slow lane) failed on them 5 times ' +
        '(an error of its own, not a failed HTTP attempt, which it records and retries). The deliveries themselves are safe in ' +
        'DynamoDB and stay pending. Do: find the error in the log of the sender or the slow sender and their errors alarms; after ' +
        'the fix, start a DLQ redrive to the source queues (a repeated wake-up makes no second attempt), or purge it and let the ' +
        'sweeper re-enqueue them.',
    },
  };
}

function queueAgeAlarms({ queues, thresholds }: AlarmsProps): Pick<Record<AlarmId, AlarmSpec>, QueueAgeAlarm> {
  const minutes = (seconds: number) => seconds / 60;
  const age = (queue: sqs.IQueue, name: string, threshold: number, description: string): AlarmSpec => ({
    name,
    metric: maxOver(queue.metricApproximateAgeOfOldestMessage()),
    threshold,
    comparisonOperator: ABOVE,
    description,
  });
  return {
    eventsQueueAge: age(
      queues.events,
      'events-queue-age',
      thresholds.alarmEventsQueueAgeSeconds,
      `An event has waited more than ${minutes(thresholds.alarmEventsQueueAgeSeconds)} minutes in the events queue: ingest is not ` +
        'keeping up or not consuming (failing, throttled, or its trigger disabled), so new events reach nobody. ' +
        'Do: check the ingest errors and throttles alarms and its log; check the trigger (Lambda console, ingest, Configuration, ' +
        'Triggers) is enabled; watch the queue depth on the dashboard drain. Nothing is lost while events wait (14 days).',
    ),
    deliveriesQueueAge: age(
      queues.deliveries,
      'deliveries-queue-age',
      thresholds.alarmDeliveriesQueueAgeSeconds,
      `A wake-up has waited more than ${minutes(thresholds.alarmDeliveriesQueueAgeSeconds)} minutes in the deliveries queue, longer ` +
        'than any retry wait it spends there as a delayed message (15 minutes at most): the sender is not keeping up or not ' +
        'consuming, and webhooks go out late. Do: check the sender errors and throttles alarms and its log; check its trigger is ' +
        'enabled; if the sender runs at its cap (dashboard: concurrency) on slow receivers, raise senderMaxConcurrency. ' +
        'State is in DynamoDB: nothing is lost.',
    ),
    slowDeliveriesQueueAge: age(
      queues.slowDeliveries,
      'slow-deliveries-queue-age',
      thresholds.alarmSlowDeliveriesQueueAgeSeconds,
      `A wake-up has waited more than ${minutes(thresholds.alarmSlowDeliveriesQueueAgeSeconds)} minutes in the slow lane's queue ` +
        '(deliveries-slow), longer than any wait it spends there as a delayed message (15 minutes at most): the slow sender is not ' +
        'consuming, or the subscriptions that are slow or whose circuit is open need more than its reserved concurrency. Their ' +
        'webhooks go out late; other subscriptions are not affected. Do: check the slow sender errors and throttles alarms and ' +
        'its log; check its trigger is enabled; on the dashboard, see the slow lane graphs and its concurrency: at its cap, raise ' +
        'slowSenderConcurrency, or ask the owners of the slow receivers (crm-webhooks subscriptions list, circuit column) to fix ' +
        'them. State is in DynamoDB: nothing is lost.',
    ),
  };
}

type QueueAgeAlarm = 'eventsQueueAge' | 'deliveriesQueueAge' | 'slowDeliveriesQueueAge';

function serviceAlarms(thresholds: AlarmThresholds): Pick<Record<AlarmId, AlarmSpec>, 'deliveriesFailed' | 'sweeperBehind'> {
  return {
    deliveriesFailed: {
      name: 'deliveries-given-up',
      metric: serviceMetric('DeliveriesFailed', { period: DELIVERIES_FAILED_PERIOD }),
      threshold: thresholds.alarmDeliveriesFailed,
      comparisonOperator: AT_LEAST,
      description:
        `${thresholds.alarmDeliveriesFailed} or more deliveries were given up within an hour: every attempt failed for about two days, ` +
        'so a receiver missed those events. Do: find the failed deliveries (crm-webhooks deliveries list, status failed, by ' +
        "subscription) and their attempt logs (deliveries show); tell the receiver's owner what their endpoint answered. " +
        'Once it works again, resend them (crm-webhooks resend, status failed). Many subscriptions at once points at us ' +
        '(egress, DNS, TLS): check the attempts by outcome graph.',
    },
    sweeperBehind: {
      name: 'sweeper-behind',
      metric: serviceMetric('SweeperBacklogMinutes', { period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: SWEEPER_BEHIND_MINUTES,
      comparisonOperator: AT_LEAST,
      description:
        `The sweeper has not read the last ${SWEEPER_BEHIND_MINUTES} minutes or more of the fan-out log (past the grace period): ` +
        'a first wake-up lost in that time is not yet recovered. It catches up by itself, up to 120 minutes per run. ' +
        'Do: read the sweeper log (fan-out log not swept... lines, and errors); check DynamoDB throttling on the deliveries ' +
        'and fanouts tables; if it keeps timing out, raise its timeout or memory (lib/functions.ts).',
    },
  };
}

/** How a function is named in alarm names and texts. */
const displayName: Record<ErrorWatched | ThrottleWatched, { name: string; text: string }> = {
  ingest: { name: 'ingest', text: 'ingest' },
  sender: { name: 'sender', text: 'sender' },
  slowSender: { name: 'slow-sender', text: 'slow sender (slow lane)' },
  sweeper: { name: 'sweeper', text: 'sweeper' },
};

/** What a failed invocation of each function leaves behind. */
const errorMeaning: Record<ErrorWatched, string> = {
  ingest: 'Events in its batches go back to the queue and are retried; after 5 failures they reach the events DLQ.',
  sender: 'Its wake-ups go back to the queue and are retried; after 5 failures they reach the deliveries DLQ.',
  slowSender:
    "Its wake-ups (deliveries of subscriptions that are slow or whose circuit is open) go back to the slow lane's queue and are " +
    'retried; after 5 failures they reach the deliveries DLQ.',
  sweeper: 'While it fails, deliveries whose wake-up was lost are not recovered.',
};

function errorAlarms({ functions, thresholds }: AlarmsProps): Pick<Record<AlarmId, AlarmSpec>, `${ErrorWatched}Errors`> {
  const errors = (id: ErrorWatched): AlarmSpec => ({
    name: `${displayName[id].name}-errors`,
    metric: functions[id].metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
    threshold: thresholds.alarmFunctionErrors,
    comparisonOperator: AT_LEAST,
    description:
      `The ${displayName[id].text} function failed ${thresholds.alarmFunctionErrors} or more invocations within 5 minutes: it ` +
      `crashed, ran out of time or memory, or could not start (a bad setting fails every cold start). ${errorMeaning[id]} ` +
      `Do: read the ${displayName[id].text} function's log group for the error and its stack trace, and the dashboard's function ` +
      'graphs. After the fix the queues retry and the sweeper re-enqueues overdue deliveries; only messages a DLQ alarm reported ' +
      'need a redrive.',
  });
  return {
    ingestErrors: errors('ingest'),
    senderErrors: errors('sender'),
    slowSenderErrors: errors('slowSender'),
    sweeperErrors: errors('sweeper'),
  };
}

/** A throttle of a function without reserved concurrency: the account's concurrency ran out. */
function accountConcurrencyRanOut(meanwhile: string): string {
  return (
    `the account's concurrency in this region ran out (other functions, or a burst). ${meanwhile} Do: compare ` +
    'ConcurrentExecutions of the account with its quota (Service Quotas, "Concurrent executions"); find the function using it; ' +
    'lower senderMaxConcurrency or request a higher quota. Throttled messages stay queued and are retried.'
  );
}

/** Why each watched function may be throttled, what it means meanwhile, and what to do. */
const throttleCause: Record<ThrottleWatched, string> = {
  ingest: accountConcurrencyRanOut('Events wait in the events queue meanwhile.'),
  sender: accountConcurrencyRanOut('Deliveries go out late meanwhile.'),
  // Reserved concurrency shields it from the account's other functions, and its trigger never asks for more.
  slowSender:
    'it has reserved concurrency (slowSenderConcurrency) and its trigger asks for no more, so its reserved concurrency was ' +
    'lowered outside the stack, or something else invokes it. Deliveries of slow or failing subscriptions go out late meanwhile. ' +
    "Do: compare the function's reserved concurrency (Lambda console, Configuration, Concurrency) with slowSenderConcurrency and " +
    'deploy the stack again to restore it; look in CloudTrail for Invoke calls not made by its trigger. Throttled messages stay ' +
    'queued and are retried.',
};

function throttleAlarms({ functions, thresholds }: AlarmsProps): Pick<Record<AlarmId, AlarmSpec>, `${ThrottleWatched}Throttles`> {
  const throttles = (id: ThrottleWatched): AlarmSpec => ({
    name: `${displayName[id].name}-throttles`,
    metric: functions[id].metricThrottles({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
    threshold: thresholds.alarmFunctionThrottles,
    comparisonOperator: AT_LEAST,
    description:
      `Lambda refused ${thresholds.alarmFunctionThrottles} or more invocations of the ${displayName[id].text} function within ` +
      `5 minutes: ${throttleCause[id]}`,
  });
  return {
    ingestThrottles: throttles('ingest'),
    senderThrottles: throttles('sender'),
    slowSenderThrottles: throttles('slowSender'),
  };
}
