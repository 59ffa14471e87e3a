// What one command run needs: the target, the SDK clients (created once, on first use), and the
// output mode. Commands receive it and never build clients themselves. The CloudFormation and SQS
// SDKs load only when a command needs them: most runs need neither, and every run starts cold.
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { CliError } from './errors';
import { invokeFunction } from './invoke';
import { DEFAULT_ENDPOINT, localTarget, stackTarget, type FunctionRole, type Target } from './target';

export interface GlobalOptions {
  endpoint?: string;
  stack?: string;
  region?: string;
  json?: boolean;
}

export interface Session {
  json: boolean;
  /** What is being talked to, for messages. */
  where(): string;
  invoke<T>(role: FunctionRole, payload: unknown): Promise<T>;
  sqs(): Promise<{ client: SQSClient; eventsQueueUrl: string }>;
  close(): void;
}

/** Where to talk to when neither --endpoint nor --stack is given: once per shell, not on every command. */
export const ENDPOINT_VARIABLE = 'CRM_WEBHOOKS_ENDPOINT';
export const STACK_VARIABLE = 'CRM_WEBHOOKS_STACK';

/** The options with the target from the environment filled in; a flag always wins over a variable. */
export function withEnvironment(options: GlobalOptions, env: Record<string, string | undefined> = process.env): GlobalOptions {
  if (options.endpoint !== undefined || options.stack !== undefined) return options;
  const endpoint = env[ENDPOINT_VARIABLE] || undefined;
  const stack = env[STACK_VARIABLE] || undefined;
  if (endpoint && stack)
    throw new CliError(`both ${ENDPOINT_VARIABLE} and ${STACK_VARIABLE} are set: unset one, or give --endpoint or --stack`);
  return { ...options, endpoint, stack };
}

export function createSession(given: GlobalOptions): Session {
  const options = withEnvironment(given);
  const opened: Array<{ destroy(): void }> = [];
  const open = <C extends { destroy(): void }>(client: C): C => {
    opened.push(client);
    return client;
  };
  let where = options.stack !== undefined ? `AWS (${options.region ?? 'default region'})` : (options.endpoint ?? DEFAULT_ENDPOINT);
  let target: Promise<Target> | undefined;
  const resolveTarget = (): Promise<Target> =>
    (target ??= (async () => {
      let resolved: Target;
      if (options.stack !== undefined) {
        const { CloudFormationClient } = await import('@aws-sdk/client-cloudformation');
        const cloudFormation = open(new CloudFormationClient(options.region ? { region: options.region } : {}));
        resolved = await stackTarget(options.stack, cloudFormation, options.region);
      } else {
        // Commander refuses --endpoint with --stack, so this is the local runtime (or its default address).
        resolved = localTarget(options.endpoint ?? DEFAULT_ENDPOINT, options.region);
      }
      where = resolved.where;
      return resolved;
    })());
  let lambda: LambdaClient | undefined;
  let sqs: SQSClient | undefined;

  return {
    json: options.json === true,
    where: () => where,
    async invoke<T>(role: FunctionRole, payload: unknown): Promise<T> {
      const t = await resolveTarget();
      lambda ??= open(new LambdaClient(t.clients));
      return (await invokeFunction(lambda, t.functionName(role), payload, t.where)) as T;
    },
    async sqs() {
      const t = await resolveTarget();
      if (!sqs) {
        const { SQSClient } = await import('@aws-sdk/client-sqs');
        sqs = open(new SQSClient(t.clients));
      }
      return { client: sqs, eventsQueueUrl: await t.eventsQueueUrl(sqs) };
    },
    close() {
      for (const client of opened) client.destroy();
    },
  };
}
