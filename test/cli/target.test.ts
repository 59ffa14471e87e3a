import { CloudFormationClient, CloudFormationServiceException, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CliError } from '../../cli/errors';
import { localTarget, stackTarget } from '../../cli/target';

const cloudFormation = new CloudFormationClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const sqs = new SQSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const cfMock = mockClient(cloudFormation);
const sqsMock = mockClient(sqs);
// The client classes outlive this file where test files share a worker: leave them unmocked.
afterAll(() => {
  cfMock.restore();
  sqsMock.restore();
});

const outputs = [
  { OutputKey: 'SubscriptionsFunctionName', OutputValue: 'CrmWebhooks-Subscriptions1A2B3C' },
  { OutputKey: 'ResendFunctionName', OutputValue: 'CrmWebhooks-Resend4D5E6F' },
  { OutputKey: 'DeliveriesFunctionName', OutputValue: 'CrmWebhooks-Deliveries7G8H9I' },
  { OutputKey: 'EventsQueueUrl', OutputValue: 'https://sqs.eu-west-1.amazonaws.com/123456789012/CrmWebhooks-Events' },
  { OutputKey: 'NotificationsTopicArn', OutputValue: 'arn:aws:sns:eu-west-1:123456789012:CrmWebhooks-Notifications' },
];

afterEach(() => {
  cfMock.reset();
  sqsMock.reset();
});

describe('--stack: names from the stack outputs (DescribeStacks)', () => {
  it('reads the function names and the events queue URL from the outputs of the named stack', async () => {
    cfMock
      .on(DescribeStacksCommand, { StackName: 'CrmWebhooks' })
      .resolves({ Stacks: [{ StackName: 'CrmWebhooks', CreationTime: new Date(), StackStatus: 'UPDATE_COMPLETE', Outputs: outputs }] });
    const target = await stackTarget('CrmWebhooks', cloudFormation, 'eu-west-1');

    expect(target.functionName('subscriptions')).toBe('CrmWebhooks-Subscriptions1A2B3C');
    expect(target.functionName('resend')).toBe('CrmWebhooks-Resend4D5E6F');
    expect(target.functionName('deliveries')).toBe('CrmWebhooks-Deliveries7G8H9I');
    expect(await target.eventsQueueUrl(sqs)).toBe('https://sqs.eu-west-1.amazonaws.com/123456789012/CrmWebhooks-Events');
    expect(target.where).toBe('AWS (eu-west-1)');
    // Real AWS: the SDK's own endpoint and credential chain, only the region pinned.
    expect(target.clients).toEqual({ region: 'eu-west-1' });
    expect(cfMock.commandCalls(DescribeStacksCommand)).toHaveLength(1);
    expect(sqsMock.calls()).toHaveLength(0);
  });

  it('names a missing output when a command needs it, and still serves the outputs that exist', async () => {
    const older = outputs.filter((o) => o.OutputKey !== 'DeliveriesFunctionName');
    cfMock
      .on(DescribeStacksCommand)
      .resolves({ Stacks: [{ StackName: 'CrmWebhooks', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: older }] });
    const target = await stackTarget('CrmWebhooks', cloudFormation, 'eu-west-1');

    expect(target.functionName('subscriptions')).toBe('CrmWebhooks-Subscriptions1A2B3C');
    expect(() => target.functionName('deliveries')).toThrow(CliError);
    expect(() => target.functionName('deliveries')).toThrow(/stack CrmWebhooks has no output DeliveriesFunctionName/);
  });

  it('says a stack that does not exist is not found in the region', async () => {
    cfMock.on(DescribeStacksCommand).rejects(
      new CloudFormationServiceException({
        name: 'ValidationError',
        $fault: 'client',
        $metadata: {},
        message: 'Stack with id Nope does not exist',
      }),
    );
    await expect(stackTarget('Nope', cloudFormation, 'eu-west-1')).rejects.toThrow(new CliError('stack Nope not found in eu-west-1'));
  });

  it('takes the region from the client configuration when --region is not given', async () => {
    cfMock
      .on(DescribeStacksCommand)
      .resolves({ Stacks: [{ StackName: 'CrmWebhooks', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: outputs }] });
    const target = await stackTarget('CrmWebhooks', cloudFormation);
    expect(target.where).toBe('AWS (eu-west-1)');
    expect(target.clients).toEqual({});
  });
});

describe('--endpoint: the local runtime', () => {
  it('uses the local function names, fake credentials and GetQueueUrl for the events queue', async () => {
    sqsMock.on(GetQueueUrlCommand, { QueueName: 'events' }).resolves({ QueueUrl: 'http://127.0.0.1:4000/000000000000/events' });
    const target = localTarget('http://127.0.0.1:4000/');

    expect(target.functionName('subscriptions')).toBe('subscriptions');
    expect(target.functionName('resend')).toBe('resend');
    expect(target.functionName('deliveries')).toBe('deliveries');
    expect(target.clients).toEqual({
      region: 'local',
      endpoint: 'http://127.0.0.1:4000',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    expect(await target.eventsQueueUrl(sqs)).toBe('http://127.0.0.1:4000/000000000000/events');
  });

  it.each(['not a url', 'ftp://127.0.0.1:4000'])('refuses --endpoint %j with a one-line reason', (endpoint) => {
    expect(() => localTarget(endpoint)).toThrow(/^--endpoint: /);
  });
});
