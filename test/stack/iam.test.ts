// Least privilege, read from the synthesized template: each function may call exactly the actions
// its code uses, on exactly the resources it uses them on, and write its own log group; the scheduler
// role may only send to the deliveries queue; only this stack's alarms may publish to the support
// topic, and only they and the sender may use its key.
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
  s = synth({}, { bundle: false, validate: false });
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

/** What every function needs to log: write streams of its own log group, nothing else. */
function logs(id: string): Record<string, string[]> {
  return { 'logs:CreateLogStream': [`logGroup:${id}`], 'logs:PutLogEvents': [`logGroup:${id}`] };
}

/** Merges action maps, so an action used on several resources lists them all, sorted. */
function merge(...maps: Record<string, string[]>[]): Record<string, string[]> {
  const merged: Record<string, string[]> = {};
  for (const map of maps) for (const [action, resources] of Object.entries(map)) (merged[action] ??= []).push(...resources);
  return Object.fromEntries(
    Object.keys(merged)
      .sort()
      .map((action) => [action, [...new Set(merged[action])].sort()]),
  );
}

function scheduleArn(): string {
  const group = s.resources[s.logicalId(s.stack.scheduler.group)].Properties.Name as string;
  return `arn:\${AWS::Partition}:scheduler:\${AWS::Region}:\${AWS::AccountId}:schedule/${group}/*`;
}

describe('function permissions', () => {
  it('ingest: logs the batch; stores events, paused deliveries; reads deliveries, active subscriptions; enqueues, dead-letters', () => {
    expect(permissionMap(statementsOf('ingest'), names)).toEqual(
      merge(
        {
          'dynamodb:PutItem': ['table:deliveries', 'table:events', 'table:fanouts'],
          // On the subscriptions table: the version item only (see below).
          'dynamodb:GetItem': ['table:events', 'table:subscriptions'],
          'dynamodb:Query': ['table:subscriptions/index/byStatus'],
          'dynamodb:BatchGetItem': ['table:deliveries'],
          // Fan-out sends degraded subscriptions' first wake-ups to the slow lane.
          'sqs:SendMessage': ['queue:deliveries', 'queue:eventsDlq', 'queue:slowDeliveries'],
        },
        consumes('queue:events'),
        logs('ingest'),
      ),
    );
  });

  it.each([
    ['sender', 'queue:deliveries'],
    ['slowSender', 'queue:slowDeliveries'],
  ] as const)(
    '%s: claims and updates the delivery, reads the event, reads and disables the subscription, moves its circuit, ' +
      "keeps the subscriptions' limits, notifies support through the encrypted topic, records the attempt, schedules retries, " +
      'wakes either lane, reports its lateness',
    (id, queue) => {
      expect(permissionMap(statementsOf(id), names)).toEqual(
        merge(
          {
            'dynamodb:GetItem': ['table:deliveries', 'table:events', 'table:limits', 'table:subscriptions'],
            // The subscription: failingSince, the circuit, disabled after 410 Gone or days of failures (UpdateItem).
            // The limits: slot leases and lines of send times (UpdateItem), a slot given back (DeleteItem).
            // The fan-out log table: its queue-lag items and the wait lists behind open circuits only (see below).
            'dynamodb:UpdateItem': ['table:deliveries', 'table:fanouts', 'table:limits', 'table:subscriptions'],
            'dynamodb:DeleteItem': ['table:limits'],
            'dynamodb:PutItem': ['table:attempts', 'table:fanouts'],
            'dynamodb:Query': ['table:fanouts'],
            'sns:Publish': ['topic:notifications'],
            // SNS encrypts what the sender publishes with a data key made under the sender's identity.
            'kms:GenerateDataKey*': ['key:notifications'],
            // The subscription's sealed secrets: opened to send, sealed again when it disables one.
            'kms:GenerateDataKey': ['key:secrets'],
            'kms:Decrypt': ['key:notifications', 'key:secrets'],
            'sqs:SendMessage': ['queue:deliveries', 'queue:slowDeliveries'],
            'scheduler:CreateSchedule': [scheduleArn()],
            'iam:PassRole': ['role:scheduler'],
          },
          consumes(queue),
          logs(id),
        ),
      );
    },
  );

  it('sender may pass the scheduler role to the Scheduler only', () => {
    const passRole = statementsOf('sender').filter((st) => asArray(st.Action).includes('iam:PassRole'));
    expect(passRole).toHaveLength(1);
    expect(passRole[0].Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
  });

  it('resend: finds deliveries by id, event (and its plan) or subscription window, resets and enqueues', () => {
    expect(permissionMap(statementsOf('resend'), names)).toEqual(
      merge(
        {
          'dynamodb:GetItem': ['table:deliveries', 'table:events'],
          // A delivered attempt kept on the delivery item moves to the attempt log before a restart.
          'dynamodb:PutItem': ['table:attempts'],
          'dynamodb:BatchGetItem': ['table:deliveries'],
          'dynamodb:Query': ['table:deliveries', 'table:deliveries/index/bySubscription'],
          'dynamodb:UpdateItem': ['table:deliveries'],
          'sqs:SendMessage': ['queue:deliveries'],
        },
        logs('resend'),
      ),
    );
  });

  it('subscriptions: reads, writes, lists them, seals and opens secrets; a test event: stores it, logs its fan-out, enqueues it', () => {
    expect(permissionMap(statementsOf('subscriptions'), names)).toEqual(
      merge(
        {
          'dynamodb:GetItem': ['table:subscriptions'],
          'dynamodb:PutItem': ['table:events', 'table:fanouts', 'table:subscriptions'],
          // The version item every subscription write changes.
          'dynamodb:UpdateItem': ['table:subscriptions'],
          'sqs:SendMessage': ['queue:deliveries'],
          'dynamodb:Query': ['table:subscriptions/index/byStatus'],
          // The list: ids from the index, the whole items from the table.
          'dynamodb:BatchGetItem': ['table:subscriptions'],
          'kms:GenerateDataKey': ['key:secrets'],
          'kms:Decrypt': ['key:secrets'],
        },
        logs('subscriptions'),
      ),
    );
  });

  it('sweeper: reads the fan-out log (its checkpoint, its creation), events, deliveries, the pending index; watches; enqueues', () => {
    expect(permissionMap(statementsOf('sweeper'), names)).toEqual(
      merge(
        {
          'dynamodb:BatchGetItem': ['table:deliveries'],
          'dynamodb:DescribeTable': ['table:fanouts'],
          'dynamodb:GetItem': ['table:events', 'table:fanouts'],
          'dynamodb:PutItem': ['table:fanouts'],
          'dynamodb:UpdateItem': ['table:deliveries'],
          'dynamodb:Query': ['table:deliveries', 'table:deliveries/index/pending', 'table:fanouts'],
          'sqs:SendMessage': ['queue:deliveries'],
        },
        logs('sweeper'),
      ),
    );
  });

  it('deliveries: reads deliveries by id, by event (and its plan) and by subscription window, and their attempts; writes nothing', () => {
    expect(permissionMap(statementsOf('deliveries'), names)).toEqual(
      merge(
        {
          // The subscription: its circuit, shown with its deliveries.
          'dynamodb:GetItem': ['table:deliveries', 'table:events', 'table:subscriptions'],
          'dynamodb:Query': ['table:attempts', 'table:deliveries', 'table:deliveries/index/bySubscription'],
          'dynamodb:BatchGetItem': ['table:deliveries'],
        },
        logs('deliveries'),
      ),
    );
  });

  it('dead-letters: walks both dead-letter queues and sends redriven messages back to their work queues; no tables', () => {
    const dlqs = ['queue:deliveriesDlq', 'queue:eventsDlq'];
    expect(permissionMap(statementsOf('dead-letters'), names)).toEqual(
      merge(
        {
          'sqs:ReceiveMessage': dlqs,
          'sqs:ChangeMessageVisibility': dlqs,
          'sqs:DeleteMessage': dlqs,
          'sqs:GetQueueAttributes': dlqs,
          'sqs:SendMessage': ['queue:deliveries', 'queue:events'],
        },
        logs('dead-letters'),
      ),
    );
  });

  it('gives every function a role of its own that only Lambda may assume', () => {
    const roleIds = Object.values(s.stack.functions.byId).map(
      (fn) => s.resources[s.logicalId(fn)].Properties.Role['Fn::GetAtt'][0] as string,
    );
    expect(new Set(roleIds).size).toBe(8);
    for (const roleId of roleIds) {
      expect(s.resources[roleId].Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
    }
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
  it('lets CloudWatch publish for each alarm of this stack only, and refuses publishing without TLS', () => {
    const topicId = s.logicalId(s.stack.notifications.topic);
    const alarmIds = Object.keys(ofType(s.resources, 'AWS::CloudWatch::Alarm'));
    expect(alarmIds).toHaveLength(14);
    expect(alarmIds.sort()).toEqual(s.stack.alarms.all.map((alarm) => s.logicalId(alarm)).sort());
    const policies = Object.values(ofType(s.resources, 'AWS::SNS::TopicPolicy'));
    expect(policies).toHaveLength(1);
    expect(policies[0].Properties.Topics).toEqual([{ Ref: topicId }]);
    // Its own policy replaces SNS's default one, so the alarms need this Allow to reach support; the
    // sender publishes under its role's identity policy instead.
    const [tlsOnly, alarmsMayPublish] = policies[0].Properties.PolicyDocument.Statement as Json[];
    expect(policies[0].Properties.PolicyDocument.Statement).toHaveLength(2);
    expect(tlsOnly).toEqual({
      Sid: 'AllowPublishThroughSSLOnly',
      Effect: 'Deny',
      Principal: '*',
      Action: 'sns:Publish',
      Resource: { Ref: topicId },
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    expect(alarmsMayPublish).toEqual({
      Sid: 'AllowAlarmsToPublish',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: { Ref: topicId },
      Condition: { ArnEquals: { 'aws:SourceArn': expect.any(Array) } },
    });
    const sourceArns = alarmsMayPublish.Condition.ArnEquals['aws:SourceArn'] as Json[];
    expect(sourceArns).toHaveLength(alarmIds.length);
    expect(sourceArns).toEqual(expect.arrayContaining(alarmIds.map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] }))));
  });

  it("grants SNS actions to no role but the senders'", () => {
    const roles = Object.keys(ofType(s.resources, 'AWS::IAM::Role'));
    const publishers = roles.filter((roleId) =>
      statementsOfRole(s.resources, roleId).some(
        (st) => st.Effect === 'Allow' && (asArray(st.Action) as string[]).some((a) => a.startsWith('sns:')),
      ),
    );
    const senderRoles = (['sender', 'slowSender'] as const).map(
      (id) => s.resources[s.logicalId(s.stack.functions.byId[id])].Properties.Role['Fn::GetAtt'][0] as string,
    );
    expect(publishers.sort()).toEqual(senderRoles.sort());
  });
});

describe('support topic key', () => {
  const keyId = () => s.logicalId(s.stack.notifications.key);

  it('encrypts the topic with a rotated customer managed key that only this account administers', () => {
    const key = s.resources[keyId()];
    expect(s.resources[s.logicalId(s.stack.notifications.topic)].Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId(), 'Arn'] });
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.Properties.KeyPolicy.Statement).toEqual([
      // KMS's default: the account administers the key and may delegate its use through IAM policies.
      {
        Action: 'kms:*',
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] } },
        Resource: '*',
      },
      // CloudWatch encrypts an alarm notification under its own identity: without this, every one is refused.
      {
        Sid: 'AllowCloudWatchAlarmsToEncryptNotifications',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Resource: '*',
      },
    ]);
  });

  it("grants KMS actions on it to no role but the senders'", () => {
    const roles = Object.keys(ofType(s.resources, 'AWS::IAM::Role'));
    const kmsStatements = roles.flatMap((roleId) =>
      statementsOfRole(s.resources, roleId)
        .filter((st) => (asArray(st.Action) as string[]).some((a) => a.startsWith('kms:')))
        .filter((st) => JSON.stringify(st.Resource).includes(keyId()))
        .map((st) => ({ roleId, resources: asArray(st.Resource) })),
    );
    const senderRoles = (['sender', 'slowSender'] as const).map(
      (id) => s.resources[s.logicalId(s.stack.functions.byId[id])].Properties.Role['Fn::GetAtt'][0] as string,
    );
    expect(kmsStatements.sort((a, b) => a.roleId.localeCompare(b.roleId))).toEqual(
      senderRoles.sort().map((roleId) => ({ roleId, resources: [{ 'Fn::GetAtt': [keyId(), 'Arn'] }] })),
    );
  });
});

describe('secrets key', () => {
  const keyId = () => s.logicalId(s.stack.secretsKey.key);
  const roleOf = (id: keyof Synthesized['stack']['functions']['byId']) =>
    s.resources[s.logicalId(s.stack.functions.byId[id])].Properties.Role['Fn::GetAtt'][0] as string;

  it('is a customer managed key with rotation on, kept when the stack goes (the table it unlocks stays too)', () => {
    const key = s.resources[keyId()];
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe('Retain');
    expect(key.UpdateReplacePolicy).toBe('Retain');
    // KMS's default policy only: the account administers it; use is granted to roles through IAM.
    expect(key.Properties.KeyPolicy.Statement).toHaveLength(1);
  });

  it('may be used by the subscriptions function and the two senders only, for data keys of subscription secrets', () => {
    const roles = Object.keys(ofType(s.resources, 'AWS::IAM::Role'));
    const grants = roles.flatMap((roleId) =>
      statementsOfRole(s.resources, roleId)
        .filter((st) => JSON.stringify(st.Resource).includes(keyId()))
        .map((st) => ({ roleId, actions: asArray(st.Action), resources: asArray(st.Resource), condition: st.Condition })),
    );
    const expected = (roleId: string) => ({
      roleId,
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [{ 'Fn::GetAtt': [keyId(), 'Arn'] }],
      condition: {
        StringEquals: { 'kms:EncryptionContext:service': 'crm-webhooks', 'kms:EncryptionContext:purpose': 'subscription-secrets' },
      },
    });
    expect(grants).toEqual(
      expect.arrayContaining([expected(roleOf('sender')), expected(roleOf('slowSender')), expected(roleOf('subscriptions'))]),
    );
    expect(grants).toHaveLength(3);
  });

  it("lets ingest read the subscriptions table's version item and nothing else of it", () => {
    const subscriptionsTable = s.logicalId(s.stack.tables.byId.subscriptions);
    const reads = statementsOf('ingest').filter(
      (st) => asArray(st.Action).includes('dynamodb:GetItem') && JSON.stringify(st.Resource).includes(subscriptionsTable),
    );
    expect(reads).toHaveLength(1);
    expect(reads[0].Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['#version'] } });
  });

  it("lets the senders use the fan-out log table's queue-lag items and wait lists and nothing else of it", () => {
    const fanoutsTable = s.logicalId(s.stack.tables.byId.fanouts);
    for (const id of ['sender', 'slowSender'] as const) {
      const grants = statementsOf(id).filter((st) => JSON.stringify(st.Resource).includes(fanoutsTable));
      expect(grants.map((st) => [asArray(st.Action).sort(), st.Condition])).toEqual([
        [['dynamodb:UpdateItem'], { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['queue-lag'] } }],
        [['dynamodb:PutItem', 'dynamodb:Query'], { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['wait#*'] } }],
      ]);
    }
  });

  it('is named to every function by SECRETS_KEY_ARN', () => {
    for (const fn of Object.values(s.stack.functions.byId)) {
      expect(s.resources[s.logicalId(fn)].Properties.Environment.Variables.SECRETS_KEY_ARN).toEqual({ 'Fn::GetAtt': [keyId(), 'Arn'] });
    }
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

  /** The key policy's administration statement: KMS's default, without which no IAM policy could use the key. */
  const isKeyAdministration = (st: Json) =>
    st.Action === 'kms:*' && st.Principal?.AWS !== undefined && JSON.stringify(st.Principal.AWS).includes(':root');
  /** What SNS documents for publishing to an encrypted topic: the sender's and CloudWatch's, on the topic key. */
  const isPublishDataKeys = (st: Json) =>
    JSON.stringify(asArray(st.Action).sort()) === JSON.stringify(['kms:Decrypt', 'kms:GenerateDataKey*']);

  it("allows no wildcard action but the account's administration of the topic key and the publishers' data keys", () => {
    const statements = allStatements();
    expect(statements.length).toBeGreaterThan(10);
    const wildcardAllows = statements.filter(
      (st) => st.Effect === 'Allow' && (asArray(st.Action) as string[]).some((a) => a.includes('*')),
    );
    // The topic key and the secrets key.
    expect(wildcardAllows.filter(isKeyAdministration)).toHaveLength(2);
    // The senders' roles (both lanes) and CloudWatch in the key policy.
    expect(wildcardAllows.filter(isPublishDataKeys)).toHaveLength(3);
    expect(wildcardAllows).toHaveLength(5);
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

  it("uses a wildcard action only in the queues' TLS-only denials, the key's administration and the publishers' data keys", () => {
    const wildcard = allStatements().filter((st) => (asArray(st.Action) as string[]).some((action) => action.includes('*')));
    expect(wildcard).toHaveLength(queueIds().length + 5);
    expect(wildcard).toEqual(expect.arrayContaining(queueIds().map(queueTlsOnly)));
    expect(wildcard.filter(isKeyAdministration)).toHaveLength(2);
    // Both senders' roles and CloudWatch in the key policy.
    expect(wildcard.filter(isPublishDataKeys)).toHaveLength(3);
  });

  it("attaches no managed policy: each function role writes its own log group instead of AWSLambdaBasicExecutionRole's every one", () => {
    const managed = Object.values(ofType(s.resources, 'AWS::IAM::Role')).flatMap((role) => asArray(role.Properties.ManagedPolicyArns));
    expect(managed).toEqual([]);
  });
});
