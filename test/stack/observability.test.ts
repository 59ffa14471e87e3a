// What the on-call engineer gets: the alarms (each watching the metric it names, with the default
// thresholds, notifying the support topic) and the dashboard. The service's own metrics are checked
// against what Powertools actually writes, since a graph or alarm with other dimensions reads nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricName } from '../../lambdas/domain/metrics';
import { PowertoolsMetrics } from '../../lambdas/wiring/metrics';
import { dashboardBody, ofType, removeAssembly, synth, type Json, type Synthesized } from './synth';
import { emfOf } from '../support/emf';

let s: Synthesized;
let alarmProps: (id: AlarmId) => Json;

type AlarmId = keyof Synthesized['stack']['alarms']['byId'];
type QueueName = 'events' | 'eventsDlq' | 'deliveries' | 'slowDeliveries' | 'deliveriesDlq';
type FunctionName = keyof Synthesized['stack']['functions']['byId'];

beforeAll(() => {
  s = synth({}, { bundle: false, validate: false });
  alarmProps = (id) => s.resources[s.logicalId(s.stack.alarms.byId[id])].Properties;
}, 120_000);

afterAll(() => removeAssembly(s));

const queueDimension = (q: QueueName) => [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [s.logicalId(s.stack.queues[q]), 'QueueName'] } }];
const functionDimension = (f: FunctionName) => [{ Name: 'FunctionName', Value: { Ref: s.logicalId(s.stack.functions.byId[f]) } }];
const serviceDimension = [{ Name: 'service', Value: 'crm-webhooks' }];

/** Every alarm: what it reads, and when it fires with the default configuration. */
const expectedAlarms: Record<AlarmId, () => Json> = {
  eventsDlq: () => ({
    Namespace: 'AWS/SQS',
    MetricName: 'ApproximateNumberOfMessagesVisible',
    Dimensions: queueDimension('eventsDlq'),
    Statistic: 'Maximum',
    Period: 300,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  }),
  deliveriesDlq: () => ({
    Namespace: 'AWS/SQS',
    MetricName: 'ApproximateNumberOfMessagesVisible',
    Dimensions: queueDimension('deliveriesDlq'),
    Statistic: 'Maximum',
    Period: 300,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  }),
  eventsQueueAge: () => ({
    Namespace: 'AWS/SQS',
    MetricName: 'ApproximateAgeOfOldestMessage',
    Dimensions: queueDimension('events'),
    Statistic: 'Maximum',
    Period: 300,
    Threshold: 600,
    ComparisonOperator: 'GreaterThanThreshold',
  }),
  // Above the longest SQS delay (15 min) a retry wake-up waits in this queue, with room for a redelivery.
  deliveriesQueueAge: () => ({
    Namespace: 'AWS/SQS',
    MetricName: 'ApproximateAgeOfOldestMessage',
    Dimensions: queueDimension('deliveries'),
    Statistic: 'Maximum',
    Period: 300,
    Threshold: 1800,
    ComparisonOperator: 'GreaterThanThreshold',
  }),
  // The slow lane: longer than the main lane's by default (its receivers are slow or down, served by a
  // small reserved concurrency), and still above its own longest delay (15 min) plus a redelivery.
  slowDeliveriesQueueAge: () => ({
    Namespace: 'AWS/SQS',
    MetricName: 'ApproximateAgeOfOldestMessage',
    Dimensions: queueDimension('slowDeliveries'),
    Statistic: 'Maximum',
    Period: 300,
    Threshold: 3600,
    ComparisonOperator: 'GreaterThanThreshold',
  }),
  deliveriesFailed: () => ({
    Namespace: 'CrmWebhooks',
    MetricName: 'DeliveriesFailed',
    Dimensions: serviceDimension,
    Statistic: 'Sum',
    Period: 3600,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  }),
  sweeperBehind: () => ({
    Namespace: 'CrmWebhooks',
    MetricName: 'SweeperBacklogMinutes',
    Dimensions: serviceDimension,
    Statistic: 'Maximum',
    Period: 300,
    Threshold: 10,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  }),
  ingestErrors: () => ({
    Namespace: 'AWS/Lambda',
    MetricName: 'Errors',
    Dimensions: functionDimension('ingest'),
    Statistic: 'Sum',
    Period: 300,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  }),
  senderErrors: () => ({
    Namespace: 'AWS/Lambda',
    MetricName: 'Errors',
    Dimensions: functionDimension('sender'),
    Statistic: 'Sum',
    Period: 300,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  }),
  slowSenderErrors: () => ({
    Namespace: 'AWS/Lambda',
    MetricName: 'Errors',
    Dimensions: functionDimension('slowSender'),
    Statistic: 'Sum',
    Period: 300,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  }),
  sweeperErrors: () => ({
    Namespace: 'AWS/Lambda',
    MetricName: 'Errors',
    Dimensions: functionDimension('sweeper'),
    Statistic: 'Sum',
    Period: 300,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  }),
  ingestThrottles: () => ({
    Namespace: 'AWS/Lambda',
    MetricName: 'Throttles',
    Dimensions: functionDimension('ingest'),
    Statistic: 'Sum',
    Period: 300,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  }),
  senderThrottles: () => ({
    Namespace: 'AWS/Lambda',
    MetricName: 'Throttles',
    Dimensions: functionDimension('sender'),
    Statistic: 'Sum',
    Period: 300,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  }),
  slowSenderThrottles: () => ({
    Namespace: 'AWS/Lambda',
    MetricName: 'Throttles',
    Dimensions: functionDimension('slowSender'),
    Statistic: 'Sum',
    Period: 300,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  }),
};

const alarmNames: Record<AlarmId, string> = {
  eventsDlq: 'CrmWebhooks-events-dlq',
  deliveriesDlq: 'CrmWebhooks-deliveries-dlq',
  eventsQueueAge: 'CrmWebhooks-events-queue-age',
  deliveriesQueueAge: 'CrmWebhooks-deliveries-queue-age',
  slowDeliveriesQueueAge: 'CrmWebhooks-slow-deliveries-queue-age',
  deliveriesFailed: 'CrmWebhooks-deliveries-given-up',
  ingestErrors: 'CrmWebhooks-ingest-errors',
  senderErrors: 'CrmWebhooks-sender-errors',
  slowSenderErrors: 'CrmWebhooks-slow-sender-errors',
  sweeperErrors: 'CrmWebhooks-sweeper-errors',
  sweeperBehind: 'CrmWebhooks-sweeper-behind',
  ingestThrottles: 'CrmWebhooks-ingest-throttles',
  senderThrottles: 'CrmWebhooks-sender-throttles',
  slowSenderThrottles: 'CrmWebhooks-slow-sender-throttles',
};

const alarmIds = Object.keys(expectedAlarms) as AlarmId[];

describe('alarms', () => {
  it('has exactly these fourteen alarms', () => {
    expect(Object.keys(ofType(s.resources, 'AWS::CloudWatch::Alarm')).sort()).toEqual(
      alarmIds.map((id) => s.logicalId(s.stack.alarms.byId[id])).sort(),
    );
  });

  it.each(alarmIds)('%s reads its metric, fires at its default threshold and notifies the support topic only', (id) => {
    expect(alarmProps(id)).toEqual({
      ...expectedAlarms[id](),
      AlarmName: alarmNames[id],
      AlarmDescription: expect.any(String),
      EvaluationPeriods: 1,
      // An idle queue, an uninvoked function, a metric nobody wrote: none of these is trouble.
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: s.logicalId(s.stack.notifications.topic) }],
    });
  });

  it.each(alarmIds)('%s says what it means and what to do, within the 1024 characters CloudWatch keeps', (id) => {
    const description = alarmProps(id).AlarmDescription as string;
    expect(description.length).toBeLessThanOrEqual(1024);
    const [meaning, action] = description.split(' Do: ');
    expect(meaning.length, 'what it means').toBeGreaterThan(60);
    expect(action?.length ?? 0, 'what to do').toBeGreaterThan(60);
  });

  it('watches errors of the pipeline only: support functions answer bad input with a function error by design', () => {
    const watched = Object.values(ofType(s.resources, 'AWS::CloudWatch::Alarm'))
      .filter((a) => a.Properties.MetricName === 'Errors')
      .map((a) => a.Properties.Dimensions[0].Value.Ref);
    expect(watched.sort()).toEqual(
      (['ingest', 'sender', 'slowSender', 'sweeper'] as const).map((f) => s.logicalId(s.stack.functions.byId[f])).sort(),
    );
  });

  it('watches the slow lane as the main lane: its sender errors and throttles, its queue age; its DLQ is the deliveries DLQ', () => {
    const slowQueue = s.logicalId(s.stack.queues.slowDeliveries);
    const redrive = s.resources[slowQueue].Properties.RedrivePolicy;
    expect(redrive.deadLetterTargetArn).toEqual({ 'Fn::GetAtt': [s.logicalId(s.stack.queues.deliveriesDlq), 'Arn'] });
    expect(alarmProps('deliveriesDlq').AlarmDescription).toMatch(/slow sender \(slow lane\)/);
    // Never by design: the slow sender's trigger asks for no more than its reserved concurrency.
    const slow = s.resources[s.logicalId(s.stack.functions.byId.slowSender)].Properties;
    const mapping = Object.values(ofType(s.resources, 'AWS::Lambda::EventSourceMapping')).find(
      (m: Json) => m.Properties.FunctionName.Ref === s.logicalId(s.stack.functions.byId.slowSender),
    );
    expect(mapping.Properties.ScalingConfig.MaximumConcurrency).toBe(slow.ReservedConcurrentExecutions);
    expect(alarmProps('slowSenderThrottles').AlarmDescription).toMatch(/reserved concurrency \(slowSenderConcurrency\)/);
    // Above the longest delay a wake-up spends there (15 min) plus the slow sender's timeout, and not under the main lane's.
    const slowAge = alarmProps('slowDeliveriesQueueAge').Threshold as number;
    expect(slowAge).toBeGreaterThanOrEqual(15 * 60 + slow.Timeout);
    expect(slowAge).toBeGreaterThanOrEqual(alarmProps('deliveriesQueueAge').Threshold as number);
  });
});

describe('the service metrics the stack reads are the ones the functions write', () => {
  it('DeliveriesFailed: same namespace, name and dimensions as Powertools writes them', async () => {
    const emf = await emfOf(() => {
      const metrics = new PowertoolsMetrics();
      metrics.count('DeliveriesFailed');
      metrics.flush();
    });
    expect(emf).toHaveLength(1);
    const [directive] = emf[0]._aws.CloudWatchMetrics;
    // CloudWatch files each value under the namespace and every dimension set of the directive.
    const written = directive.Dimensions.map((set) => ({
      Namespace: directive.Namespace,
      MetricName: 'DeliveriesFailed',
      Dimensions: set.map((name) => ({ Name: name, Value: emf[0][name] })),
    }));
    const alarm = alarmProps('deliveriesFailed');
    expect(written).toContainEqual({ Namespace: alarm.Namespace, MetricName: alarm.MetricName, Dimensions: alarm.Dimensions });
  });
});

describe('dashboard', () => {
  let widgets: Json[];
  beforeAll(() => {
    widgets = dashboardBody(s).widgets;
  });

  const graph = (title: string) => {
    const found = widgets.filter((w) => w.properties.title === title);
    expect(found, title).toHaveLength(1);
    return found[0];
  };
  /** A graph's metrics as `namespace name dimension=value stat`. */
  const lines = (title: string) =>
    (graph(title).properties.metrics as Json[][]).map((m) => {
      const options = m[m.length - 1];
      const dimensions = m.slice(2, -1);
      const pairs: string[] = [];
      for (let i = 0; i < dimensions.length; i += 2) pairs.push(`${dimensions[i]}=${dimensions[i + 1]}`);
      return [m[0], m[1], ...pairs, options.stat].join(' ');
    });

  const service = (names: MetricName[], stat = 'Sum') => names.map((n) => `CrmWebhooks ${n} service=crm-webhooks ${stat}`);

  it('opens with the status of every alarm', () => {
    const status = widgets.filter((w) => w.type === 'alarm');
    expect(status).toHaveLength(1);
    expect(status[0].properties.alarms.sort()).toEqual(alarmIds.map((id) => `${s.logicalId(s.stack.alarms.byId[id])}.Arn`).sort());
  });

  it('graphs events ingested and rejected, deliveries by fate, and attempts by outcome', () => {
    expect(lines('Events: ingested, rejected (to the DLQ), repeated')).toEqual(
      service(['EventsIngested', 'EventsRejected', 'EventsRepeated']),
    );
    expect(lines('Deliveries: created, delivered, failed (given up), paused, resent, deferred')).toEqual(
      service([
        'DeliveriesCreated',
        'DeliveriesDelivered',
        'DeliveriesFailed',
        'DeliveriesPaused',
        'DeliveriesResent',
        'DeliveriesDeferred',
      ]),
    );
    expect(lines('Attempts by outcome')).toEqual(
      service(['AttemptsDelivered', 'AttemptsHttpStatus', 'AttemptsTimeout', 'AttemptsNetwork', 'AttemptsBlocked']),
    );
    expect(graph('Attempts by outcome').properties.stacked).toBe(true);
  });

  it('graphs attempt latency p50, p95 and p99, retries queued vs scheduled, sweeper recoveries and disabled subscriptions', () => {
    expect(lines('Attempt latency (ms)')).toEqual(['p50', 'p95', 'p99'].map((p) => `CrmWebhooks AttemptLatency service=crm-webhooks ${p}`));
    expect(lines('Retries: queued (SQS delay) vs scheduled (Scheduler)')).toEqual(service(['RetriesQueued', 'RetriesScheduled']));
    expect(lines('Sweeper recoveries, backlog and held wake-ups, duplicate wake-ups, subscriptions disabled')).toEqual(
      service(['SweeperRecoveries', 'SweeperBacklogMinutes', 'SweeperWakeupsHeld', 'WakeupsDuplicate', 'SubscriptionsDisabled']),
    );
  });

  it('graphs circuits opened, closed and probed, wake-ups moved to the slow lane, and the slow lane queue', () => {
    expect(lines('Circuits opened, closed, probes; wake-ups moved to the slow lane')).toEqual(
      service(['CircuitsOpened', 'CircuitsClosed', 'CircuitProbes', 'DeliveriesToSlowLane']),
    );
    const slow = `${s.logicalId(s.stack.queues.slowDeliveries)}.QueueName`;
    expect(lines('Slow lane: wake-ups waiting, in flight; oldest (s, right)')).toEqual([
      `AWS/SQS ApproximateNumberOfMessagesVisible QueueName=${slow} Maximum`,
      `AWS/SQS ApproximateNumberOfMessagesDelayed QueueName=${slow} Maximum`,
      `AWS/SQS ApproximateNumberOfMessagesNotVisible QueueName=${slow} Maximum`,
      `AWS/SQS ApproximateAgeOfOldestMessage QueueName=${slow} Maximum`,
    ]);
    expect(graph('Slow lane: wake-ups waiting, in flight; oldest (s, right)').properties.annotations.horizontal).toEqual([
      { value: 3600, label: 'slow lane alarm', yAxis: 'right' },
    ]);
  });

  it('graphs every metric the functions write, each with the service dimension', () => {
    const graphed = new Set(
      widgets
        .filter((w) => w.type === 'metric')
        .flatMap((w) => w.properties.metrics as Json[][])
        .filter((m) => m[0] === 'CrmWebhooks')
        .map((m) => (m.slice(2, 4).join('=') === 'service=crm-webhooks' ? m[1] : `${m[1]} without the service dimension`)),
    );
    // Typed by MetricName: a metric added to the domain without updating this list fails to compile.
    const written: Record<MetricName, true> = {
      EventsIngested: true,
      EventsRejected: true,
      EventsRepeated: true,
      DeliveriesCreated: true,
      DeliveriesDelivered: true,
      DeliveriesFailed: true,
      DeliveriesPaused: true,
      DeliveriesResent: true,
      DeliveriesDeferred: true,
      AttemptsDelivered: true,
      AttemptsHttpStatus: true,
      AttemptsTimeout: true,
      AttemptsNetwork: true,
      AttemptsBlocked: true,
      AttemptLatency: true,
      RetriesQueued: true,
      RetriesScheduled: true,
      SweeperRecoveries: true,
      SweeperBacklogMinutes: true,
      SweeperWakeupsHeld: true,
      WakeupsDuplicate: true,
      SubscriptionsDisabled: true,
      CircuitsOpened: true,
      CircuitsClosed: true,
      CircuitProbes: true,
      DeliveriesToSlowLane: true,
    };
    expect([...graphed].sort()).toEqual(Object.keys(written).sort());
  });

  it('graphs queue depths, the oldest message age against both alarm thresholds, and the DLQ depths', () => {
    const q = (name: QueueName) => `${s.logicalId(s.stack.queues[name])}.QueueName`;
    expect(lines('Queue depth')).toEqual([
      `AWS/SQS ApproximateNumberOfMessagesVisible QueueName=${q('events')} Maximum`,
      `AWS/SQS ApproximateNumberOfMessagesVisible QueueName=${q('deliveries')} Maximum`,
      `AWS/SQS ApproximateNumberOfMessagesDelayed QueueName=${q('deliveries')} Maximum`,
      `AWS/SQS ApproximateNumberOfMessagesNotVisible QueueName=${q('deliveries')} Maximum`,
    ]);
    expect(lines('Oldest message age (s)')).toEqual([
      `AWS/SQS ApproximateAgeOfOldestMessage QueueName=${q('events')} Maximum`,
      `AWS/SQS ApproximateAgeOfOldestMessage QueueName=${q('deliveries')} Maximum`,
    ]);
    expect(graph('Oldest message age (s)').properties.annotations.horizontal).toEqual([
      { value: 600, label: 'events alarm', yAxis: 'left' },
      { value: 1800, label: 'deliveries alarm', yAxis: 'left' },
    ]);
    expect(lines('Dead-letter queues')).toEqual([
      `AWS/SQS ApproximateNumberOfMessagesVisible QueueName=${q('eventsDlq')} Maximum`,
      `AWS/SQS ApproximateNumberOfMessagesVisible QueueName=${q('deliveriesDlq')} Maximum`,
    ]);
  });

  it.each([
    ['Function errors', 'Errors', 'Sum'],
    ['Function throttles', 'Throttles', 'Sum'],
    ['Function duration p99 (ms)', 'Duration', 'p99'],
    ['Concurrent executions (max)', 'ConcurrentExecutions', 'Maximum'],
  ])('graphs %s of all eight functions', (title, metric, stat) => {
    const functions = Object.values(s.stack.functions.byId);
    expect(functions).toHaveLength(8);
    expect(lines(title)).toEqual(functions.map((fn) => `AWS/Lambda ${metric} FunctionName=${s.logicalId(fn)} ${stat}`));
  });
});
