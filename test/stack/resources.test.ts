// The stack's resources, as CloudFormation will create them: queues, tables, functions, triggers,
// the retry scheduler, the support topic and the outputs. (Alarms and the dashboard:
// observability.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaults } from '../../lambdas/config';
import { tableDefinitions, type KeyDefinition } from '../../lambdas/storage/tables';
import { functionIds, ofType, removeAssembly, synth, type Json, type Synthesized } from './synth';

let s: Synthesized;
let resources: Record<string, Json>;

// Unbundled: the template is the same but for the code assets' hashes. The bundles themselves are
// checked in bundles.test.ts, which pays for the one bundled synth of the suite.
beforeAll(() => {
  s = synth({}, { bundle: false, validate: false });
  resources = s.resources;
}, 120_000);

afterAll(() => removeAssembly(s));

function fn(id: (typeof functionIds)[number]): Json {
  return resources[s.logicalId(s.stack.functions.byId[id])];
}

function queue(name: 'events' | 'eventsDlq' | 'deliveries' | 'slowDeliveries' | 'deliveriesDlq'): Json {
  return resources[s.logicalId(s.stack.queues[name])];
}

describe('queues', () => {
  it('has five queues: events, deliveries and the slow lane, redriving to a DLQ after 5 receives (the two lanes share one)', () => {
    expect(Object.keys(ofType(resources, 'AWS::SQS::Queue'))).toHaveLength(5);
    for (const [work, dlq] of [
      ['events', 'eventsDlq'],
      ['deliveries', 'deliveriesDlq'],
      ['slowDeliveries', 'deliveriesDlq'],
    ] as const) {
      expect(queue(work).Properties.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [s.logicalId(s.stack.queues[dlq]), 'Arn'] },
        maxReceiveCount: 5,
      });
      expect(queue(dlq).Properties.RedrivePolicy).toBeUndefined();
      expect(queue(dlq).Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    }
  });

  it('encrypts every queue with SQS-managed keys and denies every request not over TLS', () => {
    const policies = Object.values(ofType(resources, 'AWS::SQS::QueuePolicy'));
    for (const [id, q] of Object.entries(ofType(resources, 'AWS::SQS::Queue'))) {
      expect(q.Properties.SqsManagedSseEnabled, id).toBe(true);
      const policy = policies.find((p) => (p.Properties.Queues as Json[]).some((ref) => ref.Ref === id));
      expect(policy?.Properties.PolicyDocument.Statement, id).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('gives each triggered queue a visibility timeout of at least six times its consumer timeout', () => {
    const mappings = Object.values(ofType(resources, 'AWS::Lambda::EventSourceMapping'));
    expect(mappings).toHaveLength(3);
    for (const mapping of mappings) {
      const queueId = mapping.Properties.EventSourceArn['Fn::GetAtt'][0] as string;
      const consumer = resources[mapping.Properties.FunctionName.Ref as string];
      expect(resources[queueId].Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * consumer.Properties.Timeout);
    }
  });

  it('keeps the events queue and its DLQ when the stack is deleted, and lets the deliveries queues go', () => {
    // Events the CRM published and the service has not stored (or could not accept) exist nowhere else;
    // deliveries messages only wake the sender, whose state is in the retained tables.
    for (const name of ['events', 'eventsDlq'] as const) {
      expect([queue(name).DeletionPolicy, queue(name).UpdateReplacePolicy], name).toEqual(['Retain', 'Retain']);
    }
    for (const name of ['deliveries', 'slowDeliveries', 'deliveriesDlq'] as const) {
      expect([queue(name).DeletionPolicy, queue(name).UpdateReplacePolicy], name).toEqual(['Delete', 'Delete']);
    }
  });

  it('alarms when a message lands in either DLQ', () => {
    const alarms = Object.values(ofType(resources, 'AWS::CloudWatch::Alarm'));
    for (const dlq of ['eventsDlq', 'deliveriesDlq'] as const) {
      const queueName = { 'Fn::GetAtt': [s.logicalId(s.stack.queues[dlq]), 'QueueName'] };
      expect(alarms, dlq).toContainEqual(
        expect.objectContaining({
          Properties: expect.objectContaining({
            MetricName: 'ApproximateNumberOfMessagesVisible',
            Dimensions: [{ Name: 'QueueName', Value: queueName }],
            Threshold: 1,
            ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          }),
        }),
      );
    }
  });
});

describe('support notifications', () => {
  const topicRef = () => ({ Ref: s.logicalId(s.stack.notifications.topic) });

  it('has one support topic, encrypted with a key of its own, which refuses publishing without TLS (enforceSSL)', () => {
    const topics = ofType(resources, 'AWS::SNS::Topic');
    expect(Object.keys(topics)).toEqual([s.logicalId(s.stack.notifications.topic)]);
    // A customer managed key: CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key.
    const keyId = s.logicalId(s.stack.notifications.key);
    expect(Object.values(topics)[0].Properties).toEqual({
      DisplayName: 'crm-webhooks notifications',
      KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
    // The key goes with the topic: SNS keeps no messages, so nothing stays encrypted under it.
    expect(resources[keyId]).toMatchObject({
      DeletionPolicy: 'Delete',
      Properties: { EnableKeyRotation: true, PendingWindowInDays: 30 },
    });
    const policies = Object.values(ofType(resources, 'AWS::SNS::TopicPolicy')).filter((p) =>
      (p.Properties.Topics as Json[]).some((t) => t.Ref === topicRef().Ref),
    );
    expect(policies).toHaveLength(1);
    expect(policies[0].Properties.PolicyDocument.Statement).toContainEqual({
      Sid: 'AllowPublishThroughSSLOnly',
      Effect: 'Deny',
      Principal: '*',
      Action: 'sns:Publish',
      Resource: topicRef(),
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
  });
});

describe('tables', () => {
  const keySchema = (partition: KeyDefinition, sort?: KeyDefinition) => [
    { AttributeName: partition.name, KeyType: 'HASH' },
    ...(sort ? [{ AttributeName: sort.name, KeyType: 'RANGE' }] : []),
  ];

  it('has exactly the tables of lambdas/storage/tables.ts', () => {
    expect(Object.keys(ofType(resources, 'AWS::DynamoDB::Table'))).toHaveLength(tableDefinitions.length);
  });

  it.each(tableDefinitions.map((d) => [d.id, d] as const))('builds the %s table from its definition', (id, definition) => {
    const table = resources[s.logicalId(s.stack.tables.byId[id])];
    const props = table.Properties;
    expect(props.KeySchema).toEqual(keySchema(definition.partitionKey, definition.sortKey));
    const indexes = (props.GlobalSecondaryIndexes ?? []) as Json[];
    expect(indexes).toEqual(
      definition.indexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: keySchema(index.partitionKey, index.sortKey),
        Projection:
          typeof index.projection === 'string'
            ? { ProjectionType: index.projection }
            : { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projection.include] },
      })),
    );
    const keys = [definition, ...definition.indexes].flatMap((k) => [k.partitionKey, ...(k.sortKey ? [k.sortKey] : [])]);
    const attributes = new Map(keys.map((k) => [k.name, k.type]));
    expect(props.AttributeDefinitions).toHaveLength(attributes.size);
    for (const [name, type] of attributes) expect(props.AttributeDefinitions).toContainEqual({ AttributeName: name, AttributeType: type });

    expect(props.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(props.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(props.BillingMode).toBe('PAY_PER_REQUEST');
    // AWS-managed encryption: SSE on, no customer key.
    expect(props.SSESpecification).toEqual({ SSEEnabled: true });
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
  });
});

describe('functions', () => {
  const expected = {
    ingest: { Timeout: 30, MemorySize: 256 },
    sender: { Timeout: 60, MemorySize: 512 },
    slowSender: { Timeout: 60, MemorySize: 512 },
    resend: { Timeout: 60, MemorySize: 256 },
    subscriptions: { Timeout: 15, MemorySize: 256 },
    sweeper: { Timeout: 60, MemorySize: 256 },
    deliveries: { Timeout: 30, MemorySize: 256 },
    'dead-letters': { Timeout: 60, MemorySize: 256 },
  };

  it("has exactly eight functions (the slow lane's sender runs the sender's code), all Node.js 24 on arm64", () => {
    const functions = Object.values(ofType(resources, 'AWS::Lambda::Function'));
    expect(functions).toHaveLength(8);
    for (const f of functions) {
      expect(f.Properties.Runtime).toBe('nodejs24.x');
      expect(f.Properties.Architectures).toEqual(['arm64']);
      expect(f.Properties.Handler).toBe('index.handler');
    }
  });

  it.each(functionIds)('%s has its timeout, memory and a log group kept one month', (id) => {
    expect(fn(id).Properties).toMatchObject(expected[id]);
    const logGroupId = fn(id).Properties.LoggingConfig.LogGroup.Ref as string;
    expect(resources[logGroupId].Properties.RetentionInDays).toBe(30);
  });

  it('runs one sweep at a time, caps every support function and the slow lane at 5, leaves ingest and sender to the account pool', () => {
    // The sender is capped by its queue trigger instead (triggers below): a reservation would also
    // hold back concurrency it does not use.
    const reserved = Object.fromEntries(functionIds.map((id) => [id, fn(id).Properties.ReservedConcurrentExecutions]));
    expect(reserved).toEqual({
      ingest: undefined,
      sender: undefined,
      slowSender: 5,
      resend: 5,
      subscriptions: 5,
      sweeper: 1,
      deliveries: 5,
      'dead-letters': 5,
    });
  });

  it.each(functionIds)('%s gets the full environment with the default configuration', (id) => {
    const { queues, tables, scheduler } = s.stack;
    const ref = (construct: Parameters<Synthesized['logicalId']>[0]) => ({ Ref: s.logicalId(construct) });
    const arn = (construct: Parameters<Synthesized['logicalId']>[0]) => ({ 'Fn::GetAtt': [s.logicalId(construct), 'Arn'] });
    const groupName = resources[s.logicalId(scheduler.group)].Properties.Name as string;
    expect(fn(id).Properties.Environment.Variables).toEqual({
      SUBSCRIPTIONS_TABLE: ref(tables.byId.subscriptions),
      EVENTS_TABLE: ref(tables.byId.events),
      DELIVERIES_TABLE: ref(tables.byId.deliveries),
      ATTEMPTS_TABLE: ref(tables.byId.attempts),
      DELIVERIES_QUEUE_URL: ref(queues.deliveries),
      DELIVERIES_QUEUE_ARN: arn(queues.deliveries),
      EVENTS_DLQ_URL: ref(queues.eventsDlq),
      EVENTS_QUEUE_URL: ref(queues.events),
      DELIVERIES_DLQ_URL: ref(queues.deliveriesDlq),
      SCHEDULE_GROUP: groupName,
      SCHEDULER_ROLE_ARN: arn(scheduler.role),
      ATTEMPT_TIMEOUT_MS: '5000',
      RETRY_BASE_DELAY_MS: '300000',
      RETRY_MULTIPLIER: '2',
      MAX_ATTEMPTS: '10',
      RETENTION_DAYS: '30',
      SWEEP_GRACE_MS: '300000',
      SUBSCRIPTION_CACHE_MS: String(defaults.subscriptionCacheMs),
      MAX_EVENT_BYTES: String(defaults.maxEventBytes),
      FANOUTS_TABLE: ref(s.stack.tables.byId.fanouts),
      LIMITS_TABLE: ref(s.stack.tables.byId.limits),
      RETRY_JITTER: '0.1',
      SIGNING_SECRET_GRACE_MS: '86400000',
      FAILING_DISABLE_AFTER_MS: '432000000',
      // No allowlist: private, loopback and metadata targets are all refused in AWS.
      TARGET_ALLOWLIST: '',
      NOTIFY_TOPIC_ARN: ref(s.stack.notifications.topic),
      SECRETS_KEY_ARN: { 'Fn::GetAtt': [s.logicalId(s.stack.secretsKey.key), 'Arn'] },
      CIRCUIT_FAILURE_THRESHOLD: '5',
      CIRCUIT_MIN_RUN_MS: '10000',
      CIRCUIT_FIRST_PROBE_MS: '30000',
      CIRCUIT_MAX_PROBE_MS: '1800000',
      SLOW_ATTEMPT_MS: '2500',
      SLOW_LANE_MS: '600000',
      SLOW_DELIVERIES_QUEUE_URL: ref(queues.slowDeliveries),
      // The slow lane's sender is the sender's code, told which queue it consumes.
      ...(id === 'slowSender' ? { SENDER_LANE: 'slow' } : {}),
      POWERTOOLS_SERVICE_NAME: 'crm-webhooks',
      NODE_OPTIONS: '--enable-source-maps',
    });
  });
});

describe('triggers', () => {
  function mappingOf(id: 'ingest' | 'sender' | 'slowSender'): Json {
    const mappings = Object.values(ofType(resources, 'AWS::Lambda::EventSourceMapping'));
    return mappings.find((m) => m.Properties.FunctionName.Ref === s.logicalId(s.stack.functions.byId[id]));
  }

  it('feeds ingest from the events queue, 10 records a batch, reporting partial failures, at most 10 at once', () => {
    expect(mappingOf('ingest').Properties).toEqual({
      EventSourceArn: { 'Fn::GetAtt': [s.logicalId(s.stack.queues.events), 'Arn'] },
      FunctionName: { Ref: s.logicalId(s.stack.functions.byId.ingest) },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  it('feeds the sender from the deliveries queue, reporting partial failures, at most 20 at once', () => {
    expect(mappingOf('sender').Properties).toEqual({
      EventSourceArn: { 'Fn::GetAtt': [s.logicalId(s.stack.queues.deliveries), 'Arn'] },
      FunctionName: { Ref: s.logicalId(s.stack.functions.byId.sender) },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 20 },
    });
  });

  it('feeds the slow lane sender from its own queue, as many at once as it has reserved', () => {
    expect(mappingOf('slowSender').Properties).toEqual({
      EventSourceArn: { 'Fn::GetAtt': [s.logicalId(s.stack.queues.slowDeliveries), 'Arn'] },
      FunctionName: { Ref: s.logicalId(s.stack.functions.byId.slowSender) },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it('gives resend, subscriptions and deliveries no trigger', () => {
    for (const id of ['resend', 'subscriptions', 'deliveries'] as const) {
      const fnId = s.logicalId(s.stack.functions.byId[id]);
      expect(Object.values(ofType(resources, 'AWS::Lambda::EventSourceMapping')).map((m) => m.Properties.FunctionName.Ref)).not.toContain(
        fnId,
      );
      expect(
        Object.values(ofType(resources, 'AWS::Lambda::Permission')).map((p) => p.Properties.FunctionName['Fn::GetAtt']?.[0]),
      ).not.toContain(fnId);
    }
  });

  it('runs the sweeper every 5 minutes from an EventBridge rule allowed to invoke it', () => {
    const sweeperId = s.logicalId(s.stack.functions.byId.sweeper);
    const rules = ofType(resources, 'AWS::Events::Rule');
    expect(Object.values(rules)).toHaveLength(1);
    const [ruleId, rule] = Object.entries(rules)[0];
    expect(rule.Properties.ScheduleExpression).toBe('rate(5 minutes)');
    expect(rule.Properties.State).toBe('ENABLED');
    expect(rule.Properties.Targets).toEqual([expect.objectContaining({ Arn: { 'Fn::GetAtt': [sweeperId, 'Arn'] } })]);
    s.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [sweeperId, 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
    });
  });
});

describe('retry scheduler', () => {
  it('has a schedule group of its own, the one the functions are told about', () => {
    const groups = Object.values(ofType(resources, 'AWS::Scheduler::ScheduleGroup'));
    expect(groups).toHaveLength(1);
    expect(fn('sender').Properties.Environment.Variables.SCHEDULE_GROUP).toBe(groups[0].Properties.Name);
  });
});

describe('outputs', () => {
  it('exports the events queue, the support functions, the support topic and the rest an operator needs', () => {
    const ref = (construct: Parameters<Synthesized['logicalId']>[0]) => ({ Ref: s.logicalId(construct) });
    const outputs = s.template.toJSON().Outputs as Record<string, Json>;
    const values = Object.fromEntries(Object.entries(outputs).map(([name, output]) => [name, output.Value]));
    expect(values).toEqual({
      EventsQueueUrl: ref(s.stack.queues.events),
      EventsQueueArn: { 'Fn::GetAtt': [s.logicalId(s.stack.queues.events), 'Arn'] },
      EventsDlqUrl: ref(s.stack.queues.eventsDlq),
      DeliveriesQueueUrl: ref(s.stack.queues.deliveries),
      DeliveriesDlqUrl: ref(s.stack.queues.deliveriesDlq),
      DeadLettersFunctionName: ref(s.stack.functions.byId['dead-letters']),
      SlowDeliveriesQueueUrl: ref(s.stack.queues.slowDeliveries),
      ResendFunctionName: ref(s.stack.functions.byId.resend),
      SubscriptionsFunctionName: ref(s.stack.functions.byId.subscriptions),
      DeliveriesFunctionName: ref(s.stack.functions.byId.deliveries),
      NotificationsTopicArn: ref(s.stack.notifications.topic),
      ScheduleGroupName: resources[s.logicalId(s.stack.scheduler.group)].Properties.Name,
      DashboardName: ref(s.stack.dashboard.dashboard),
      DashboardUrl: {
        'Fn::Join': [
          '',
          [
            'https://console.aws.amazon.com/cloudwatch/home?region=',
            { Ref: 'AWS::Region' },
            '#dashboards/dashboard/',
            ref(s.stack.dashboard.dashboard),
          ],
        ],
      },
    });
  });
});
