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

  it('sender: claims and updates the delivery, reads event and subscription, records the attempt, schedules retries', () => {
    expect(permissionMap(statementsOf('sender'), names)).toEqual(
      merge(
        {
          'dynamodb:GetItem': ['table:deliveries', 'table:events', 'table:subscriptions'],
          'dynamodb:UpdateItem': ['table:deliveries'],
          'dynamodb:PutItem': ['table:attempts'],
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

  it('uses sqs:* only to deny requests that do not use TLS', () => {
    const denials = allStatements().filter((st) => st.Effect === 'Deny');
    expect(denials).toHaveLength(Object.keys(ofType(s.resources, 'AWS::SQS::Queue')).length);
    for (const denial of denials) {
      expect(denial).toMatchObject({ Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    }
  });

  it('attaches no managed policy beyond basic Lambda logging', () => {
    const managed = Object.values(ofType(s.resources, 'AWS::IAM::Role')).flatMap((role) => asArray(role.Properties.ManagedPolicyArns));
    expect(managed).toHaveLength(5);
    for (const arn of managed) {
      expect(JSON.stringify(arn)).toContain(':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole');
    }
  });
});
