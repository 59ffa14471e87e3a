// Least privilege, read from the synthesized template: each function may call exactly the actions
// its code uses, on exactly the resources it uses them on; the scheduler role may only send to the
// deliveries queue.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  asArray,
  ofType,
  permissionMap,
  resourceNames,
  statementsOfRole,
  removeAssembly,
  synth,
  type Json,
  type Synthesized,
} from './synth';

let s: Synthesized;
let names: Map<string, string>;

beforeAll(() => {
  s = synth();
  names = resourceNames(s);
}, 120_000);

afterAll(() => removeAssembly(s));

/** The statements on a function's execution role. */
function statementsOf(id: keyof Synthesized['stack']['functions']['byId']): Json[] {
  const fn = s.resources[s.logicalId(s.stack.functions.byId[id])];
  const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
  return statementsOfRole(s.resources, roleId);
}

/** What an SQS event source needs to poll its queue; Lambda's event source grants it. */
function consumes(queue: string): Record<string, string[]> {
  const actions = ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'];
  return Object.fromEntries(actions.map((action) => [action, [queue]]));
}

/** Merges action maps, so an action used on several resources lists them all, sorted. */
function merge(...maps: Record<string, string[]>[]): Record<string, string[]> {
  const merged: Record<string, string[]> = {};
  for (const map of maps) for (const [action, resources] of Object.entries(map)) (merged[action] ??= []).push(...resources);
  return Object.fromEntries(Object.keys(merged).sort().map((action) => [action, [...new Set(merged[action])].sort()]));
}

function scheduleArn(): string {
  const group = s.resources[s.logicalId(s.stack.scheduler.group)].Properties.Name as string;
  return `arn:\${AWS::Partition}:scheduler:\${AWS::Region}:\${AWS::AccountId}:schedule/${group}/*`;
}

describe('function permissions', () => {
  it('ingest: stores the event, writes and queries deliveries, reads active subscriptions, enqueues, dead-letters', () => {
    expect(permissionMap(statementsOf('ingest'), names)).toEqual(
      merge(
        {
          'dynamodb:PutItem': ['table:events', 'table:deliveries'],
          'dynamodb:GetItem': ['table:events'],
          'dynamodb:BatchWriteItem': ['table:deliveries'],
          'dynamodb:Query': ['table:deliveries', 'table:subscriptions/index/byStatus'],
          'sqs:SendMessage': ['queue:deliveries', 'queue:eventsDlq'],
        },
        consumes('queue:events'),
      ),
    );
  });

  it('sender: claims and updates the delivery, reads the event, reads and disables the subscription, notifies support, records the attempt, schedules retries', () => {
    expect(permissionMap(statementsOf('sender'), names)).toEqual(
      merge(
        {
          'dynamodb:GetItem': ['table:deliveries', 'table:events', 'table:subscriptions'],
          // The subscription: failingSince set and cleared (UpdateItem), disabled after 410 Gone or days of failures (PutItem).
          'dynamodb:UpdateItem': ['table:deliveries', 'table:subscriptions'],
          'dynamodb:PutItem': ['table:attempts', 'table:subscriptions'],
          'sns:Publish': ['topic:notifications'],
          'sqs:SendMessage': ['queue:deliveries'],
          'scheduler:CreateSchedule': [scheduleArn()],
          'iam:PassRole': ['role:scheduler'],
        },
        consumes('queue:deliveries'),
      ),
    );
  });

  it('sender may pass the scheduler role to the Scheduler only', () => {
    const passRole = statementsOf('sender').filter((st) => asArray(st.Action).includes('iam:PassRole'));
    expect(passRole).toHaveLength(1);
    expect(passRole[0].Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
  });

  it('resend: finds deliveries by id, event or subscription window, resets and enqueues', () => {
    expect(permissionMap(statementsOf('resend'), names)).toEqual({
      'dynamodb:BatchGetItem': ['table:deliveries'],
      'dynamodb:Query': ['table:deliveries', 'table:deliveries/index/bySubscription'],
      'dynamodb:UpdateItem': ['table:deliveries'],
      'sqs:SendMessage': ['queue:deliveries'],
    });
  });

  it('subscriptions: reads, writes and lists subscriptions only', () => {
    expect(permissionMap(statementsOf('subscriptions'), names)).toEqual({
      'dynamodb:GetItem': ['table:subscriptions'],
      'dynamodb:PutItem': ['table:subscriptions'],
      'dynamodb:Query': ['table:subscriptions/index/byStatus'],
    });
  });

  it('sweeper: reads the pending index and the deliveries it names, and enqueues', () => {
    expect(permissionMap(statementsOf('sweeper'), names)).toEqual({
      'dynamodb:BatchGetItem': ['table:deliveries'],
      'dynamodb:Query': ['table:deliveries/index/pending'],
      'sqs:SendMessage': ['queue:deliveries'],
    });
  });
});

describe('scheduler role', () => {
  it('can be assumed only by EventBridge Scheduler on behalf of this account', () => {
    const role = s.resources[s.logicalId(s.stack.scheduler.role)];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('has one permission: sqs:SendMessage on the deliveries queue', () => {
    const statements = statementsOfRole(s.resources, s.logicalId(s.stack.scheduler.role));
    expect(statements).toEqual([
      { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: { 'Fn::GetAtt': [s.logicalId(s.stack.queues.deliveries), 'Arn'] } },
    ]);
  });
});

describe('support topic policy', () => {
  /** The alarm watching a dead-letter queue, found by the queue it measures. */
  function alarmOf(dlq: 'eventsDlq' | 'deliveriesDlq'): string {
    const queueName = { 'Fn::GetAtt': [s.logicalId(s.stack.queues[dlq]), 'QueueName'] };
    const alarms = Object.entries(ofType(s.resources, 'AWS::CloudWatch::Alarm'));
    const found = alarms.filter(([, alarm]) => JSON.stringify(alarm.Properties.Dimensions) === JSON.stringify([{ Name: 'QueueName', Value: queueName }]));
    expect(found, dlq).toHaveLength(1);
    return found[0]![0];
  }

  it('lets CloudWatch publish for the two DLQ alarms only, and refuses publishing without TLS', () => {
    const topicId = s.logicalId(s.stack.notifications.topic);
    const policies = Object.values(ofType(s.resources, 'AWS::SNS::TopicPolicy'));
    expect(policies).toHaveLength(1);
    expect(policies[0].Properties.Topics).toEqual([{ Ref: topicId }]);
    // Its own policy replaces SNS's default one, so the alarms need this Allow to reach support; the
    // sender publishes under its role's identity policy instead.
    expect(policies[0].Properties.PolicyDocument.Statement).toEqual([
      {
        Sid: 'AllowPublishThroughSSLOnly',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sns:Publish',
        Resource: { Ref: topicId },
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      {
        Sid: 'AllowAlarmsToPublish',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: { Ref: topicId },
        Condition: {
          ArnEquals: { 'aws:SourceArn': [{ 'Fn::GetAtt': [alarmOf('eventsDlq'), 'Arn'] }, { 'Fn::GetAtt': [alarmOf('deliveriesDlq'), 'Arn'] }] },
        },
      },
    ]);
  });

  it('grants SNS actions to no role but the sender\'s', () => {
    const roles = Object.keys(ofType(s.resources, 'AWS::IAM::Role'));
    const publishers = roles.filter((roleId) =>
      statementsOfRole(s.resources, roleId).some((st) => st.Effect === 'Allow' && (asArray(st.Action) as string[]).some((a) => a.startsWith('sns:'))),
    );
    const senderRole = s.resources[s.logicalId(s.stack.functions.byId.sender)].Properties.Role['Fn::GetAtt'][0] as string;
    expect(publishers).toEqual([senderRole]);
  });
});

describe('every policy in the template', () => {
  /** Every statement of every policy document anywhere: identity, trust and resource policies. */
  function allStatements(): Json[] {
    const found: Json[] = [];
    const visit = (node: Json): void => {
      if (Array.isArray(node)) node.forEach(visit);
      else if (node && typeof node === 'object') {
        if (Array.isArray(node.Statement)) found.push(...node.Statement);
        Object.values(node).forEach(visit);
      }
    };
    visit(s.resources);
    return found;
  }

  it('allows no wildcard action and no service-wide dynamodb:* or sqs:*', () => {
    const statements = allStatements();
    expect(statements.length).toBeGreaterThan(10);
    const allowed = statements.filter((st) => st.Effect === 'Allow').flatMap((st) => asArray(st.Action) as string[]);
    expect(allowed.filter((action) => action.includes('*'))).toEqual([]);
  });

  const insecure = { Bool: { 'aws:SecureTransport': 'false' } };
  const queueIds = () => Object.keys(ofType(s.resources, 'AWS::SQS::Queue'));
  /** What enforceSSL writes on a queue: every SQS action denied to everyone without TLS. */
  const queueTlsOnly = (id: string) => ({
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 'sqs:*',
    Resource: { 'Fn::GetAtt': [id, 'Arn'] },
    Condition: insecure,
  });

  it('denies, and only denies, requests not over TLS: sqs:* on each queue, sns:Publish on the support topic', () => {
    const denials = allStatements().filter((st) => st.Effect === 'Deny');
    const topicIds = Object.keys(ofType(s.resources, 'AWS::SNS::Topic'));
    expect(topicIds).toEqual([s.logicalId(s.stack.notifications.topic)]);
    // A topic's enforceSSL denies publishing only (CDK's statement, after the SNS security guide).
    const topicTlsOnly = (id: string) => ({
      Sid: 'AllowPublishThroughSSLOnly',
      Effect: 'Deny',
      Principal: '*',
      Action: 'sns:Publish',
      Resource: { Ref: id },
      Condition: insecure,
    });
    const expected = [...queueIds().map(queueTlsOnly), ...topicIds.map(topicTlsOnly)];
    expect(denials).toHaveLength(expected.length);
    expect(denials).toEqual(expect.arrayContaining(expected));
  });

  it('uses a wildcard action only in the queues\' TLS-only denials', () => {
    const wildcard = allStatements().filter((st) => (asArray(st.Action) as string[]).some((action) => action.includes('*')));
    expect(wildcard).toHaveLength(queueIds().length);
    expect(wildcard).toEqual(expect.arrayContaining(queueIds().map(queueTlsOnly)));
  });

  it('attaches no managed policy beyond basic Lambda logging', () => {
    const managed = Object.values(ofType(s.resources, 'AWS::IAM::Role')).flatMap((role) => asArray(role.Properties.ManagedPolicyArns));
    expect(managed).toHaveLength(5);
    for (const arn of managed) {
      expect(JSON.stringify(arn)).toContain(':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole');
    }
  });
});
