// What every function's wiring shares: the injected infrastructure, the repositories and the
// wake-up queue. Each function has its own wiring module (./functions), so that its Lambda bundle
// holds only the clients and adapters that function uses.
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDeliveryRepository } from '../adapters/dynamo/delivery-repository';
import { DynamoFanoutLog } from '../adapters/dynamo/fanout-log';
import { DynamoSubscriptionRepository } from '../adapters/dynamo/subscription-repository';
import type { TableNames } from '../adapters/dynamo/table-names';
import { loadConfig, tableKeys, type Config } from '../config';
import type { Log } from '../domain/log';
import type { Metrics } from '../domain/metrics';
import type { Clock, DeadLetters, Notifier, WakeupQueue, WakeupScheduler, WebhookClient } from '../domain/ports';
import { version } from '../../package.json';

export type Env = Record<string, string | undefined>;

export interface Infrastructure {
  /** Each function needs the document client; the others only where it uses that service. */
  clients: { doc: DynamoDBDocumentClient; sqs?: SQSClient; scheduler?: SchedulerClient; sns?: SNSClient };
  log: Log;
  clock?: Clock;
  /** Replacements for the SQS and Scheduler adapters (the local runtime wakes the sender in process). */
  wakeups?: WakeupQueue;
  /** The slow lane's queue, in process. */
  slowWakeups?: WakeupQueue;
  scheduler?: WakeupScheduler;
  webhook?: WebhookClient;
  /** Replacement for the events DLQ adapter (the local runtime parks rejected events in process). */
  deadLetters?: DeadLetters;
  /** Replacement for SNS (the local runtime logs notices and keeps them for GET /notifications). */
  notifier?: Notifier;
  /** Uniform in [0, 1) for retry jitter (tests pin it). */
  random?: () => number;
  metrics?: Metrics;
}

export const USER_AGENT = `crm-webhooks/${version}`;
export const systemClock: Clock = { now: () => new Date() };

function tablesOf(config: Config<(typeof tableKeys)[number]>): TableNames {
  return {
    subscriptions: config.SUBSCRIPTIONS_TABLE,
    events: config.EVENTS_TABLE,
    deliveries: config.DELIVERIES_TABLE,
    attempts: config.ATTEMPTS_TABLE,
    fanouts: config.FANOUTS_TABLE,
  };
}

export function deliveryRepository(env: Env, infra: Infrastructure): DynamoDeliveryRepository {
  const config = loadConfig(env, [...tableKeys, 'RETENTION_DAYS']);
  return new DynamoDeliveryRepository({ doc: infra.clients.doc, tables: tablesOf(config), retentionDays: config.RETENTION_DAYS });
}

export function fanoutLog(env: Env, infra: Infrastructure): DynamoFanoutLog {
  const config = loadConfig(env, ['FANOUTS_TABLE', 'RETENTION_DAYS']);
  return new DynamoFanoutLog({ doc: infra.clients.doc, tableName: config.FANOUTS_TABLE, retentionDays: config.RETENTION_DAYS, random: infra.random });
}

export function subscriptionRepository(env: Env, infra: Infrastructure): DynamoSubscriptionRepository {
  const config = loadConfig(env, [...tableKeys, 'RETENTION_DAYS']);
  return new DynamoSubscriptionRepository({ doc: infra.clients.doc, tables: tablesOf(config), retentionDays: config.RETENTION_DAYS });
}

/** A client the function needs but was not given: a wiring mistake, named at cold start. */
export function required<T>(client: T | undefined, name: string): T {
  if (client === undefined) throw new Error(`wiring: this function needs the ${name} client`);
  return client;
}
