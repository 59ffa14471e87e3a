// What one command run needs: the target, the SDK clients (created once, on first use), and the
// output mode. Commands receive it and never build clients themselves. The CloudFormation and SQS
// SDKs load only when a command needs them: most runs need neither, and every run starts cold.
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { SQSClient } from '@aws-sdk/client-sqs';
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

export function createSession(options: GlobalOptions): Session {
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
      return (await invokeFunction(lambda, t.functionName(role), payload)) as T;
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
