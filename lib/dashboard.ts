// One CloudWatch dashboard for whoever is on call: the alarms, the service's own metrics (what
// happened to events, deliveries and attempts), the queues and the functions. Each service metric is
// assigned a graph in a map typed by the metric names, so a metric added to lambdas/domain/metrics.ts
// without a place on the dashboard is a compile error here.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { MetricName } from '../lambdas/domain/metrics';
import type { AlarmThresholds } from './alarms';
import { functionIds, type FunctionId } from './functions';
import { serviceMetric } from './service-metrics';

type ServiceGraph = 'events' | 'deliveries' | 'attempts' | 'latency' | 'retries' | 'recoveries' | 'circuits';

const graphOf: Record<MetricName, ServiceGraph> = {
  EventsIngested: 'events',
  EventsRejected: 'events',
  EventsRepeated: 'events',
  DeliveriesCreated: 'deliveries',
  DeliveriesDelivered: 'deliveries',
  DeliveriesFailed: 'deliveries',
  DeliveriesPaused: 'deliveries',
  DeliveriesResent: 'deliveries',
  DeliveriesDeferred: 'deliveries',
  AttemptsDelivered: 'attempts',
  AttemptsHttpStatus: 'attempts',
  AttemptsTimeout: 'attempts',
  AttemptsNetwork: 'attempts',
  AttemptsBlocked: 'attempts',
  AttemptLatency: 'latency',
  RetriesQueued: 'retries',
  RetriesScheduled: 'retries',
  SweeperRecoveries: 'recoveries',
  SweeperBacklogMinutes: 'recoveries',
  SweeperWakeupsHeld: 'recoveries',
  WakeupsDuplicate: 'recoveries',
  SubscriptionsDisabled: 'recoveries',
  CircuitsOpened: 'circuits',
  CircuitsClosed: 'circuits',
  CircuitProbes: 'circuits',
  DeliveriesToSlowLane: 'circuits',
};

const titles: Record<ServiceGraph, string> = {
  events: 'Events: ingested, rejected (to the DLQ), repeated',
  deliveries: 'Deliveries: created, delivered, failed (given up), paused, resent, deferred',
  attempts: 'Attempts by outcome',
  latency: 'Attempt latency (ms)',
  retries: 'Retries: queued (SQS delay) vs scheduled (Scheduler)',
  recoveries: 'Sweeper recoveries, backlog and held wake-ups, duplicate wake-ups, subscriptions disabled',
  circuits: 'Circuits opened, closed, probes; wake-ups moved to the slow lane',
};

export const LATENCY_PERCENTILES = ['p50', 'p95', 'p99'] as const;

export interface DashboardProps {
  functions: Record<FunctionId, lambda.IFunction>;
  queues: { events: sqs.IQueue; deliveries: sqs.IQueue; slowDeliveries: sqs.IQueue; eventsDlq: sqs.IQueue; deliveriesDlq: sqs.IQueue };
  alarms: cloudwatch.IAlarm[];
  thresholds: Pick<AlarmThresholds, 'alarmEventsQueueAgeSeconds' | 'alarmDeliveriesQueueAgeSeconds' | 'alarmSlowDeliveriesQueueAgeSeconds'>;
}

const HEIGHT = 6;

export class OperationsDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    // No fixed name: CloudFormation makes one unique to this stack, so two deployments never clash.
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(6) });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          '# crm-webhooks\nService metrics (namespace `CrmWebhooks`, dimension `service`), queues and functions. ' +
          'What each alarm means and what to do: its description, and docs/operations.md in the repository.',
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: props.alarms, width: 24, height: 3 }));
    this.dashboard.addWidgets(...(['events', 'deliveries', 'attempts'] as const).map((g) => serviceGraph(g, 8)));
    this.dashboard.addWidgets(...(['latency', 'retries', 'recoveries'] as const).map((g) => serviceGraph(g, 8)));
    this.dashboard.addWidgets(serviceGraph('circuits', 12), slowLaneGraph(props));
    this.dashboard.addWidgets(...queueGraphs(props));
    this.dashboard.addWidgets(...functionGraphs(props.functions));
  }
}

function serviceGraph(graph: ServiceGraph, width: number): cloudwatch.GraphWidget {
  const names = (Object.keys(graphOf) as MetricName[]).filter((name) => graphOf[name] === graph);
  const metrics =
    graph === 'latency'
      ? names.flatMap((name) => LATENCY_PERCENTILES.map((p) => serviceMetric(name, { statistic: p, label: `${name} ${p}` })))
      : names.map((name) => serviceMetric(name, { label: name }));
  return new cloudwatch.GraphWidget({
    title: titles[graph],
    left: metrics,
    stacked: graph === 'attempts',
    width,
    height: HEIGHT,
  });
}

/** The slow lane's queue: how many degraded subscriptions' deliveries wait, and how old the oldest is. */
function slowLaneGraph({ queues, thresholds }: DashboardProps): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    title: 'Slow lane: wake-ups waiting, in flight; oldest (s, right)',
    left: [
      queues.slowDeliveries.metricApproximateNumberOfMessagesVisible({ label: 'slow lane: waiting' }),
      queues.slowDeliveries.metricApproximateNumberOfMessagesDelayed({ label: 'slow lane: delayed' }),
      queues.slowDeliveries.metricApproximateNumberOfMessagesNotVisible({ label: 'slow lane: in flight' }),
    ],
    right: [queues.slowDeliveries.metricApproximateAgeOfOldestMessage({ label: 'slow lane: oldest' })],
    rightAnnotations: [{ value: thresholds.alarmSlowDeliveriesQueueAgeSeconds, label: 'slow lane alarm' }],
    width: 12,
    height: HEIGHT,
  });
}

function queueGraphs({ queues, thresholds }: DashboardProps): cloudwatch.GraphWidget[] {
  return [
    new cloudwatch.GraphWidget({
      title: 'Queue depth',
      left: [
        queues.events.metricApproximateNumberOfMessagesVisible({ label: 'events: waiting' }),
        queues.deliveries.metricApproximateNumberOfMessagesVisible({ label: 'deliveries: waiting' }),
        queues.deliveries.metricApproximateNumberOfMessagesDelayed({ label: 'deliveries: delayed retries' }),
        queues.deliveries.metricApproximateNumberOfMessagesNotVisible({ label: 'deliveries: in flight' }),
      ],
      width: 8,
      height: HEIGHT,
    }),
    new cloudwatch.GraphWidget({
      title: 'Oldest message age (s)',
      left: [
        queues.events.metricApproximateAgeOfOldestMessage({ label: 'events' }),
        queues.deliveries.metricApproximateAgeOfOldestMessage({ label: 'deliveries' }),
      ],
      leftAnnotations: [
        { value: thresholds.alarmEventsQueueAgeSeconds, label: 'events alarm' },
        { value: thresholds.alarmDeliveriesQueueAgeSeconds, label: 'deliveries alarm' },
      ],
      width: 8,
      height: HEIGHT,
    }),
    new cloudwatch.GraphWidget({
      title: 'Dead-letter queues',
      left: [
        queues.eventsDlq.metricApproximateNumberOfMessagesVisible({ label: 'events DLQ' }),
        queues.deliveriesDlq.metricApproximateNumberOfMessagesVisible({ label: 'deliveries DLQ' }),
      ],
      width: 8,
      height: HEIGHT,
    }),
  ];
}

function functionGraphs(functions: Record<FunctionId, lambda.IFunction>): cloudwatch.GraphWidget[] {
  const perFunction = (title: string, metricOf: (fn: lambda.IFunction, label: string) => cloudwatch.IMetric) =>
    new cloudwatch.GraphWidget({
      title,
      left: functionIds.map((id) => metricOf(functions[id], id)),
      width: 6,
      height: HEIGHT,
    });
  const sum = cloudwatch.Stats.SUM;
  return [
    perFunction('Function errors', (fn, label) => fn.metricErrors({ statistic: sum, label })),
    perFunction('Function throttles', (fn, label) => fn.metricThrottles({ statistic: sum, label })),
    perFunction('Function duration p99 (ms)', (fn, label) => fn.metricDuration({ statistic: 'p99', label })),
    perFunction('Concurrent executions (max)', (fn, label) =>
      fn.metric('ConcurrentExecutions', { statistic: cloudwatch.Stats.MAXIMUM, label }),
    ),
  ];
}
