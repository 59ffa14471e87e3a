// The five handlers wired exactly as in Lambda (lambdas/wiring/deps.ts), with real storage (dynalite)
// and SQS / Scheduler faked by aws-sdk-client-mock, so a test can read what was queued or scheduled
// and feed it back in as the next SQS event.
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../lambdas/adapters/dynamo/document-client';
import { DynamoDeliveryRepository } from '../../lambdas/adapters/dynamo/delivery-repository';
import type { Log } from '../../lambdas/domain/log';
import type { Metrics } from '../../lambdas/domain/metrics';
import type { SecretBox } from '../../lambdas/domain/secret-box';
import { testSecretBox } from './secret-box';
import type { Clock } from '../../lambdas/domain/ports';
import type { DeliveryWakeup } from '../../lambdas/domain/types';
import { formatWakeup, parseWakeup } from '../../lambdas/domain/wakeup-message';
import type { DeliveryQueryResponse } from '../../lambdas/domain/delivery-queries';
import type { ResendResult } from '../../lambdas/domain/resend';
import type { SubscriptionsResponse } from '../../lambdas/domain/subscriptions';
import type { SweepResult } from '../../lambdas/domain/sweep';
import {
  buildSendDeps,
  deliveriesFunction,
  ingestFunction,
  resendFunction,
  senderFunction,
  subscriptionsFunction,
  sweeperFunction,
  type Env,
} from '../../lambdas/wiring/deps';
import { invoker } from '../../local/lambda-context';
import { startDynalite, type LocalDynamo } from './dynalite';
import { functionEnvironment } from '../../lambdas/function-environment';

export const QUEUE_URL = 'https://sqs.eu-central-1.amazonaws.com/123456789012/deliveries';
export const QUEUE_ARN = 'arn:aws:sqs:eu-central-1:123456789012:deliveries';
export const DLQ_URL = 'https://sqs.eu-central-1.amazonaws.com/123456789012/events-dlq';
export const TOPIC_ARN = 'arn:aws:sns:eu-central-1:123456789012:notifications';

/** A clock the test moves by hand; starts at the real time so ISO strings stay realistic. */
export class TestClock implements Clock {
  private ms = Date.now();
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Records log lines so tests can assert what was (and was not) logged. */
export class RecordingLog implements Log {
  readonly lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  debug = (message: string, fields?: Record<string, unknown>) => void this.lines.push({ level: 'debug', message, fields });
  info = (message: string, fields?: Record<string, unknown>) => void this.lines.push({ level: 'info', message, fields });
  warn = (message: string, fields?: Record<string, unknown>) => void this.lines.push({ level: 'warn', message, fields });
  error = (message: string, fields?: Record<string, unknown>) => void this.lines.push({ level: 'error', message, fields });
  text(): string {
    return JSON.stringify(this.lines);
  }
}

export interface Harness {
  dynamo: LocalDynamo;
  /** The document client every repository of the harness sends through (spy on it to inject faults). */
  doc: DynamoDBDocumentClient;
  env: Env;
  clock: TestClock;
  log: RecordingLog;
  /**
   * Careful: resetHistory() after rejectsOnce/resolvesOnce re-arms the one-time behaviour for the
   * next call (the stub counts calls from zero again); count calls from a mark instead.
   */
  sqs: AwsClientStub<SQSClient>;
  scheduler: AwsClientStub<SchedulerClient>;
  sns: AwsClientStub<SNSClient>;
  deliveries: DynamoDeliveryRepository;
  /** The secret box the functions seal subscription secrets with (a test writing a subscription item itself needs it). */
  secretBox: SecretBox;
  /** The functions' entry points as Lambda runs them (middy-wrapped), each call one invocation. */
  ingest: (event: SQSEvent) => Promise<SQSBatchResponse>;
  sender: (event: SQSEvent) => Promise<SQSBatchResponse>;
  resend: (input: unknown) => Promise<ResendResult>;
  subscriptions: (input: unknown) => Promise<SubscriptionsResponse>;
  sweeper: (event?: unknown) => Promise<SweepResult>;
  /** The read-only support queries (deliveries function). */
  query: (input: unknown) => Promise<DeliveryQueryResponse>;
  /** Wake-ups sent to the deliveries queue so far (batches and single delayed messages), in order. */
  queued(): Array<DeliveryWakeup & { delaySeconds?: number }>;
  /** The same with the event each wake-up carries. */
  carried(): Array<DeliveryWakeup & { delaySeconds?: number }>;
  /** Wake-ups handed to the Scheduler so far. */
  scheduled(): Array<DeliveryWakeup & { name: string; expression: string }>;
  /** Notices published to the support topic, parsed. */
  notices(): Array<Record<string, unknown>>;
  /** Messages parked in the events DLQ, with their reason attribute. */
  deadLettered(): Array<{ body: string; reason: string }>;
  close(): Promise<void>;
}

export async function startHarness(overrides: Env = {}, extras: { metrics?: Metrics; secretBox?: SecretBox } = {}): Promise<Harness> {
  const dynamo = await startDynalite();
  const resources = {
    tables: dynamo.tableNames,
    deliveriesQueue: { url: QUEUE_URL, arn: QUEUE_ARN },
    eventsDlqUrl: DLQ_URL,
    eventsQueueUrl: 'https://sqs.eu-central-1.amazonaws.com/123456789012/events',
    deliveriesDlqUrl: 'https://sqs.eu-central-1.amazonaws.com/123456789012/deliveries-dlq',
    scheduleGroup: 'crm-webhooks',
    schedulerRoleArn: 'arn:aws:iam::123456789012:role/scheduler',
    notifyTopicArn: TOPIC_ARN,
  };
  const env: Env = {
    ...functionEnvironment(resources, {
      ATTEMPT_TIMEOUT_MS: '1000',
      SUBSCRIPTION_CACHE_MS: '0',
      ALLOW_HTTP: 'true',
      // The receivers of the tests listen on loopback, which the target guard refuses by default.
      TARGET_ALLOWLIST: '127.0.0.0/8,::1/128',
      // Exact waits, so tests can assert them; the jitter has its own tests.
      RETRY_JITTER: '0',
    }),
    ...overrides,
  };
  const sqsClient = new SQSClient({ region: 'eu-central-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const schedulerClient = new SchedulerClient({ region: 'eu-central-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const snsClient = new SNSClient({ region: 'eu-central-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const sqs = mockClient(sqsClient);
  const scheduler = mockClient(schedulerClient);
  const sns = mockClient(snsClient);
  sns.on(PublishCommand).resolves({ MessageId: 'n' });
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm' });
  scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:::schedule/x' });

  const clock = new TestClock();
  const log = new RecordingLog();
  const doc = createDocumentClient(dynamo.client);
  const secretBox = extras.secretBox ?? testSecretBox();
  const infra = {
    clients: { doc, sqs: sqsClient, scheduler: schedulerClient, sns: snsClient },
    log,
    clock,
    metrics: extras.metrics,
    secretBox,
  };
  const deliveries = new DynamoDeliveryRepository({
    doc,
    tables: { events: env.EVENTS_TABLE!, deliveries: env.DELIVERIES_TABLE!, attempts: env.ATTEMPTS_TABLE! },
    retentionDays: 30,
  });

  const sendDeps = buildSendDeps(env, infra);
  const carried = () => {
    const out: Array<DeliveryWakeup & { delaySeconds?: number }> = [];
    for (const call of sqs.calls()) {
      const input = call.args[0].input as {
        QueueUrl?: string;
        Entries?: SendMessageBatchRequestEntry[];
        MessageBody?: string;
        DelaySeconds?: number;
      };
      if (input.QueueUrl !== QUEUE_URL) continue;
      if (input.Entries) for (const e of input.Entries) out.push(parseWakeup(e.MessageBody!));
      else if (input.MessageBody) out.push({ ...parseWakeup(input.MessageBody), delaySeconds: input.DelaySeconds });
    }
    return out;
  };
  return {
    dynamo,
    doc,
    env,
    clock,
    log,
    sqs,
    scheduler,
    sns,
    deliveries,
    secretBox,
    ingest: invoker(ingestFunction(env, infra), 'ingest'),
    sender: invoker(senderFunction(env, infra, sendDeps), 'sender'),
    resend: invoker(resendFunction(env, infra), 'resend'),
    subscriptions: invoker(subscriptionsFunction(env, infra), 'subscriptions'),
    sweeper: invoker(sweeperFunction(env, infra), 'sweeper'),
    query: invoker(deliveriesFunction(env, infra), 'deliveries'),
    queued() {
      // What each wake-up asks for; `carried()` has the event each carries as well.
      return carried().map(withoutEvent);
    },
    carried,
    scheduled() {
      return scheduler.commandCalls(CreateScheduleCommand).map((call) => ({
        ...withoutEvent(parseWakeup(call.args[0].input.Target!.Input!)),
        name: call.args[0].input.Name!,
        expression: call.args[0].input.ScheduleExpression!,
      }));
    },
    notices() {
      return sns.commandCalls(PublishCommand).map((c) => JSON.parse(c.args[0].input.Message!) as Record<string, unknown>);
    },
    deadLettered() {
      return sqs
        .commandCalls(SendMessageCommand)
        .filter((c) => c.args[0].input.QueueUrl === DLQ_URL)
        .map((c) => ({ body: c.args[0].input.MessageBody!, reason: c.args[0].input.MessageAttributes?.reason?.StringValue ?? '' }));
    },
    async close() {
      sqs.restore();
      scheduler.restore();
      sns.restore();
      const webhook = sendDeps.webhook as { close?: () => Promise<void> };
      await webhook.close?.();
      await dynamo.close();
    },
  };
}

let messageCounter = 0;

/** An SQS event as Lambda delivers it, one record per body. */
export function sqsEvent(bodies: Array<string | { body: string; messageId?: string; receiveCount?: number }>): SQSEvent {
  return {
    Records: bodies.map((b): SQSRecord => {
      const { body, messageId, receiveCount } = typeof b === 'string' ? { body: b, messageId: undefined, receiveCount: undefined } : b;
      messageCounter += 1;
      return {
        messageId: messageId ?? `00000000-0000-4000-8000-${String(messageCounter).padStart(12, '0')}`,
        receiptHandle: 'rh',
        body,
        attributes: {
          ApproximateReceiveCount: String(receiveCount ?? 1),
          SentTimestamp: String(Date.now()),
          SenderId: 'test',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:eu-central-1:123456789012:queue',
        awsRegion: 'eu-central-1',
      };
    }),
  };
}

/** The SQS event that delivers these wake-ups to the sender. */
export function wakeupEvent(wakeups: DeliveryWakeup[], receiveCount = 1): SQSEvent {
  return sqsEvent(wakeups.map((w) => ({ body: formatWakeup(w), receiveCount })));
}

function withoutEvent<W extends DeliveryWakeup>({ event: _event, ...wakeup }: W): Omit<W, 'event'> {
  return wakeup;
}
