// Shared helpers of the end-to-end suites: a runtime in a temp data folder with short waits, driven
// the way a user drives it in AWS (SQSClient to publish, LambdaClient Invoke for support operations),
// and polling for what the runtime does on its own time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetQueueUrlCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { silentLog, type Log } from '../../lambdas/domain/log';
import type { Attempt, Delivery } from '../../lambdas/domain/types';
import { startRuntime, type Runtime } from '../../local/runtime';
import { startReceiver, type Receiver } from '../support/receiver';
import { sleep, until } from '../support/wait';
import { localCredentials } from '../../local/local-aws';

/** Short waits for tests; RETRY_JITTER 0 so that waits can be measured. Override per suite. */
export const fastEnv: Record<string, string> = {
  RETRY_BASE_DELAY_MS: '300',
  RETRY_JITTER: '0',
  ATTEMPT_TIMEOUT_MS: '800',
  MAX_ATTEMPTS: '3',
  SUBSCRIPTION_CACHE_MS: '0',
  QUEUE_VISIBILITY_TIMEOUT_MS: '500',
};

export { sleep, until };

export interface InvokeResult {
  /** The function's result, or Lambda's error object ({errorType, errorMessage}) on a function error. */
  payload: unknown;
  /** 'Unhandled' when the function threw, as Lambda reports it (X-Amz-Function-Error). */
  functionError: string | undefined;
}

export interface CreatedSubscription {
  id: string;
  /** From the create response, the only one that shows it. */
  signingSecret: string;
  /** The create response's subscription, secrets revealed. */
  view: Record<string, unknown>;
}

export interface E2eRuntime {
  runtime: Runtime;
  sqs: SQSClient;
  lambda: LambdaClient;
  /** The SQS queue URL of `events`, from GetQueueUrl. */
  eventsQueueUrl: string;
  invoke(name: string, payload: unknown): Promise<InvokeResult>;
  /** Invokes and fails on a function error. */
  call<T = Record<string, unknown>>(name: string, payload: unknown): Promise<T>;
  subscribe(request: Record<string, unknown>): Promise<CreatedSubscription>;
  /** SendMessage; returns the SQS message id. */
  publish(body: string, delaySeconds?: number): Promise<string>;
  publishBatch(bodies: string[]): Promise<string[]>;
  delivery(deliveryId: string): Promise<Delivery | undefined>;
  attempts(deliveryId: string): Promise<Attempt[]>;
  /** Waits until the delivery has the status; returns it. */
  settled(deliveryId: string, status: Delivery['status'], timeoutMs?: number): Promise<Delivery>;
  /** True when no message waits or is in flight in the events and deliveries queues (both lanes). */
  idle(): boolean;
  /**
   * `idle`, and no schedule armed either: nothing more happens until someone acts. The deterministic
   * way to check that something did not happen (no retry, no attempt) instead of sleeping a while.
   * It looks at the whole runtime: in a file whose tests run concurrently it also waits for theirs
   * (a test there that leaves a schedule armed for long would hold it up).
   */
  drained(): boolean;
  stop(): Promise<void>;
}

/** Starts a runtime on port 0 in a fresh temp data folder; `stop` also removes the folder. */
export async function startE2eRuntime(env: Record<string, string> = {}, log: Log = silentLog): Promise<E2eRuntime> {
  const dir = mkdtempSync(join(tmpdir(), 'e2e-'));
  let runtime: Runtime;
  try {
    runtime = await startRuntime({ env: { ...fastEnv, ...env, PORT: '0', DATA_DIR: dir }, log });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const clientConfig = { endpoint: runtime.url, region: 'local', credentials: localCredentials(), maxAttempts: 1 };
  const sqs = new SQSClient(clientConfig);
  const lambda = new LambdaClient(clientConfig);
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'events' }));
  const eventsQueueUrl = QueueUrl!;

  const invoke = async (name: string, payload: unknown): Promise<InvokeResult> => {
    const result = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: new TextEncoder().encode(JSON.stringify(payload)) }));
    const text = Buffer.from(result.Payload ?? new Uint8Array()).toString('utf8');
    return { payload: text === '' ? undefined : (JSON.parse(text) as unknown), functionError: result.FunctionError };
  };
  const call = async <T>(name: string, payload: unknown): Promise<T> => {
    const result = await invoke(name, payload);
    if (result.functionError) throw new Error(`${name} failed: ${JSON.stringify(result.payload)}`);
    return result.payload as T;
  };
  const e2e: E2eRuntime = {
    runtime,
    sqs,
    lambda,
    eventsQueueUrl,
    invoke,
    call,
    async subscribe(request) {
      const created = await call<{ subscription: Record<string, unknown> & { id: string; signingSecrets: Array<{ secret: string }> } }>(
        'subscriptions',
        {
          action: 'create',
          ...request,
        },
      );
      return { id: created.subscription.id, signingSecret: created.subscription.signingSecrets[0].secret, view: created.subscription };
    },
    async publish(body, delaySeconds) {
      const sent = await sqs.send(new SendMessageCommand({ QueueUrl: eventsQueueUrl, MessageBody: body, DelaySeconds: delaySeconds }));
      return sent.MessageId!;
    },
    async publishBatch(bodies) {
      const sent = await sqs.send(
        new SendMessageBatchCommand({ QueueUrl: eventsQueueUrl, Entries: bodies.map((MessageBody, i) => ({ Id: `m${i}`, MessageBody })) }),
      );
      if (sent.Failed && sent.Failed.length > 0) throw new Error(`SendMessageBatch refused entries: ${JSON.stringify(sent.Failed)}`);
      return (sent.Successful ?? []).sort((a, b) => a.Id!.localeCompare(b.Id!, 'en', { numeric: true })).map((s) => s.MessageId!);
    },
    delivery: (deliveryId) => runtime.deliveries.get(deliveryId),
    attempts: (deliveryId) => runtime.deliveries.listAttempts(deliveryId),
    async settled(deliveryId, status, timeoutMs = 10_000) {
      let last: Delivery | undefined;
      await until(
        async () => {
          last = await runtime.deliveries.get(deliveryId);
          return last?.status === status;
        },
        timeoutMs,
        () => `delivery ${deliveryId} to be ${status} (last seen: ${JSON.stringify(last?.status)})`,
      );
      return last!;
    },
    idle() {
      const { events, deliveries, 'deliveries-slow': slowLane } = runtime.health().queues;
      return [events, deliveries, slowLane].every((q) => q.visible + q.delayed + q.inFlight === 0);
    },
    drained() {
      return e2e.idle() && runtime.health().schedules === 0;
    },
    async stop() {
      sqs.destroy();
      lambda.destroy();
      try {
        await runtime.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return e2e;
}

/** A JSON event of a type of its own, so that a test's subscriptions (filtered on it) see only its events. */
export function testEvent(id: string, type: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ id, type, date: '2026-11-20T08:13:46+01:00', version: '2.1.0', ...extra });
}

/** Milliseconds between consecutive timestamps. */
export function gaps(times: number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]);
}

/** Starts receivers and remembers them, so a suite closes every one it started in afterAll. */
export function receiverPool() {
  const started: Receiver[] = [];
  return {
    async start(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
      const r = await startReceiver(...args);
      started.push(r);
      return r;
    },
    closeAll: () => Promise.all(started.map((r) => r.close())),
  };
}
