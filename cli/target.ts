// Where the CLI sends its calls: the local runtime (`--endpoint URL`) or a deployed stack
// (`--stack NAME`). Both answer the same Lambda Invoke payloads and take events on an SQS queue;
// only the function names, the queue URL and the client settings differ. (The SDKs other than
// Lambda's are imported when used: a CLI run starts cold, and most runs need neither.)
import type { CloudFormationClient, Output } from '@aws-sdk/client-cloudformation';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { CliError } from './errors';
import { localCredentials, LOCAL_REGION } from '../local/local-aws';

export type FunctionRole = 'subscriptions' | 'resend' | 'deliveries' | 'dead-letters';

/** The stack outputs that name what the CLI talks to (lib/webhooks-stack.ts). */
export const STACK_OUTPUTS = {
  subscriptions: 'SubscriptionsFunctionName',
  resend: 'ResendFunctionName',
  deliveries: 'DeliveriesFunctionName',
  'dead-letters': 'DeadLettersFunctionName',
  eventsQueue: 'EventsQueueUrl',
} as const;

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:4000';
export { localCredentials, LOCAL_REGION };
const LOCAL_EVENTS_QUEUE = 'events';

export interface ClientSettings {
  region?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface Target {
  /** What is being talked to, for messages: the endpoint URL, or "AWS (eu-west-1)". */
  where: string;
  /** Settings for the Lambda and SQS clients. */
  clients: ClientSettings;
  functionName(role: FunctionRole): string;
  eventsQueueUrl(sqs: SQSClient): Promise<string>;
}

export function localTarget(endpoint: string, region = LOCAL_REGION): Target {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new CliError(`--endpoint: not a URL: ${endpoint}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`--endpoint: must be an http or https URL: ${endpoint}`);
  const base = url.href.replace(/\/$/, '');
  return {
    where: base,
    clients: { region, endpoint: base, credentials: localCredentials() },
    functionName: (role) => role,
    eventsQueueUrl: async (sqs) => {
      const { GetQueueUrlCommand } = await import('@aws-sdk/client-sqs');
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: LOCAL_EVENTS_QUEUE }));
      if (!QueueUrl) throw new CliError(`${base} answered GetQueueUrl without a queue URL`);
      return QueueUrl;
    },
  };
}

/**
 * Reads the stack's outputs once. An output the stack lacks is an error only when a command needs
 * it, so an older stack still serves the commands it can.
 */
export async function stackTarget(stackName: string, cloudFormation: CloudFormationClient, region?: string): Promise<Target> {
  const resolvedRegion = region ?? (await cloudFormation.config.region());
  const where = `AWS (${resolvedRegion})`;
  let outputs: Output[];
  try {
    const { DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = Stacks?.[0];
    if (!stack) throw new CliError(`stack ${stackName} not found in ${resolvedRegion}`);
    outputs = stack.Outputs ?? [];
  } catch (error) {
    // CloudFormation reports an unknown stack as a ValidationError "Stack with id X does not exist".
    if ((error as Error).name === 'ValidationError' && /does not exist/.test((error as Error).message)) {
      throw new CliError(`stack ${stackName} not found in ${resolvedRegion}`);
    }
    throw error;
  }
  const output = (key: string): string => {
    const value = outputs.find((o) => o.OutputKey === key)?.OutputValue;
    if (!value) throw new CliError(`stack ${stackName} has no output ${key} (deployed from an older version? run cdk deploy)`);
    return value;
  };
  return {
    where,
    clients: region ? { region } : {},
    functionName: (role) => output(STACK_OUTPUTS[role]),
    eventsQueueUrl: async () => output(STACK_OUTPUTS.eventsQueue),
  };
}
