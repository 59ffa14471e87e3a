// What every function's wiring shares: the injected infrastructure, the repositories and the
// wake-up queue. Each function reads its configuration once, every key it uses (so a cold start
// names every bad variable at once), and hands the parts to these builders. Each function has its
// own wiring module (./functions), so that its Lambda bundle holds only the clients and adapters
// that function uses.
import { DynamoQueueLagStore } from '../adapters/dynamo/queue-lag-store';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDeliveryRepository } from '../adapters/dynamo/delivery-repository';
import { DynamoFanoutLog } from '../adapters/dynamo/fanout-log';
import { DynamoSubscriptionRepository } from '../adapters/dynamo/subscription-repository';
import type { TableNames } from '../adapters/dynamo/table-names';
import { tableKeys, type Config } from '../config';
import type { Log } from '../domain/log';
import type { Metrics } from '../domain/metrics';
import type { Clock, DeadLetters, Notifier, QueuedWakeups, WakeupQueue, WakeupScheduler, WebhookClient } from '../domain/ports';
import type { SecretBox } from '../domain/secret-box';
import { version } from '../../package.json';

export type Env = Record<string, string | undefined>;

export interface Infrastructure {
  /** Each function needs the document client; the others only where it uses that service. */
  clients: { doc: DynamoDBDocumentClient; sqs?: SQSClient; scheduler?: SchedulerClient; sns?: SNSClient };
  log: Log;
  /** The Powertools logger behind `log`, where there is one: the entry point puts the Lambda context on its lines. */
  logger?: Logger;
  clock?: Clock;
  /** Replacements for the SQS and Scheduler adapters (the local runtime wakes the sender in process). */
  wakeups?: WakeupQueue;
  /**
   * Where the queue can be looked into (the local runtime): the sweeper does not re-wake what is still
   * queued. Without it (SQS) the senders report their lateness and the sweeper goes by that.
   */
  queuedWakeups?: QueuedWakeups;
  /** The slow lane's queue, in process. */
  slowWakeups?: WakeupQueue;
  scheduler?: WakeupScheduler;
  webhook?: WebhookClient;
  /** Replacement for the events DLQ adapter (the local runtime parks rejected events in process). */
  deadLetters?: DeadLetters;
  /** Replacement for SNS (the local runtime logs notices and keeps them for GET /notifications). */
  notifier?: Notifier;
  /**
   * Seals and opens the subscriptions' secret fields: the KMS one in Lambda (lambdas/wiring/secret-box.ts),
   * the key-file one locally. Absent in the functions that read no secret (ingest, resend, deliveries, sweeper).
   */
  secretBox?: SecretBox;
  /** Uniform in [0, 1) for retry jitter (tests pin it). */
  random?: () => number;
  metrics?: Metrics;
  /**
   * Who holds the sender's concurrency slots (limit-gate.ts); random per instance by default. The
   * local runtime, the only sender on its data, names itself so that after a restart it holds the
   * slots it held before instead of waiting for their leases to end.
   */
  instanceId?: string;
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
    limits: config.LIMITS_TABLE,
  };
}

/** What every function reads to reach its storage. */
export const storageKeys = [...tableKeys, 'RETENTION_DAYS'] as const;
export type StorageConfig = Config<(typeof storageKeys)[number]>;

export function deliveryRepository(config: StorageConfig, infra: Infrastructure): DynamoDeliveryRepository {
  return new DynamoDeliveryRepository({ doc: infra.clients.doc, tables: tablesOf(config), retentionDays: config.RETENTION_DAYS });
}

export function fanoutLog(config: StorageConfig, infra: Infrastructure): DynamoFanoutLog {
  return new DynamoFanoutLog({
    doc: infra.clients.doc,
    tableName: config.FANOUTS_TABLE,
    retentionDays: config.RETENTION_DAYS,
    random: infra.random,
  });
}

export function queueLagStore(config: StorageConfig, infra: Infrastructure): DynamoQueueLagStore {
  return new DynamoQueueLagStore({ doc: infra.clients.doc, tableName: config.FANOUTS_TABLE });
}

export function subscriptionRepository(config: StorageConfig, infra: Infrastructure): DynamoSubscriptionRepository {
  return new DynamoSubscriptionRepository({
    doc: infra.clients.doc,
    tables: tablesOf(config),
    retentionDays: config.RETENTION_DAYS,
    secrets: infra.secretBox,
  });
}

/** A client the function needs but was not given: a wiring mistake, named at cold start. */
export function required<T>(client: T | undefined, name: string): T {
  if (client === undefined) throw new Error(`wiring: this function needs the ${name} client`);
  return client;
}
