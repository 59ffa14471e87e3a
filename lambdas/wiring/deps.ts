// Builds each function's dependencies from validated configuration and injected clients. The Lambda
// entries and the local runtime both use these, so the wiring is the same everywhere.
import { DynamoDeliveryRepository } from '../adapters/dynamo/delivery-repository';
import { DynamoSubscriptionRepository } from '../adapters/dynamo/subscription-repository';
import type { TableNames } from '../adapters/dynamo/table-names';
import { parseAllowlist } from '../adapters/http/target-guard';
import { UndiciWebhookClient } from '../adapters/http/webhook-client';
import { EventBridgeWakeupScheduler } from '../adapters/scheduler/scheduler-wakeups';
import { SnsNotifier } from '../adapters/sns/sns-notifier';
import { SqsDeadLetters } from '../adapters/sqs/sqs-dead-letters';
import { SqsWakeupQueue } from '../adapters/sqs/sqs-wakeup-queue';
import { ConfigError, loadConfig, retryKeys, tableKeys, type Config } from '../config';
import { FanoutTargets } from '../domain/fanout-targets';
import type { DeliveryQueryDeps } from '../domain/delivery-queries';
import type { IngestDeps } from '../domain/ingest';
import type { Log } from '../domain/log';
import type { Metrics } from '../domain/metrics';
import type { Clock, DeadLetters, Notifier, WakeupQueue, WakeupScheduler, WebhookClient } from '../domain/ports';
import type { ResendDeps } from '../domain/resend';
import type { SendDeps } from '../domain/send-attempt';
import { SubscriptionLookup } from '../domain/subscription-lookup';
import type { SubscriptionDeps } from '../domain/subscriptions';
import type { SweepDeps } from '../domain/sweep';
import type { AwsClients } from './aws-clients';
import { version } from '../../package.json';

export type Env = Record<string, string | undefined>;

export interface Infrastructure {
  clients: Pick<AwsClients, 'doc' | 'sqs' | 'scheduler'> & Partial<Pick<AwsClients, 'sns'>>;
  log: Log;
  clock?: Clock;
  /** Replacements for the SQS and Scheduler adapters (the local runtime wakes the sender in process). */
  wakeups?: WakeupQueue;
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
const systemClock: Clock = { now: () => new Date() };

function tablesOf(config: Config<(typeof tableKeys)[number]>): TableNames {
  return {
    subscriptions: config.SUBSCRIPTIONS_TABLE,
    events: config.EVENTS_TABLE,
    deliveries: config.DELIVERIES_TABLE,
    attempts: config.ATTEMPTS_TABLE,
  };
}

function deliveryRepository(env: Env, infra: Infrastructure): DynamoDeliveryRepository {
  const config = loadConfig(env, [...tableKeys, 'RETENTION_DAYS']);
  return new DynamoDeliveryRepository({ doc: infra.clients.doc, tables: tablesOf(config), retentionDays: config.RETENTION_DAYS });
}

function subscriptionRepository(env: Env, infra: Infrastructure): DynamoSubscriptionRepository {
  const config = loadConfig(env, [...tableKeys, 'RETENTION_DAYS']);
  return new DynamoSubscriptionRepository({ doc: infra.clients.doc, tables: tablesOf(config), retentionDays: config.RETENTION_DAYS });
}

function wakeupQueue(env: Env, infra: Infrastructure): WakeupQueue {
  if (infra.wakeups) return infra.wakeups;
  const { DELIVERIES_QUEUE_URL } = loadConfig(env, ['DELIVERIES_QUEUE_URL']);
  return new SqsWakeupQueue({ sqs: infra.clients.sqs, queueUrl: DELIVERIES_QUEUE_URL });
}

export function buildIngestDeps(env: Env, infra: Infrastructure): IngestDeps {
  const config = loadConfig(env, ['EVENTS_DLQ_URL', 'SUBSCRIPTION_CACHE_MS', 'MAX_EVENT_BYTES', 'FANOUT_SETTLE_MS']);
  const clock = infra.clock ?? systemClock;
  return {
    deliveries: deliveryRepository(env, infra),
    fanoutTargets: new FanoutTargets(subscriptionRepository(env, infra), clock, config.SUBSCRIPTION_CACHE_MS),
    wakeups: wakeupQueue(env, infra),
    deadLetters: infra.deadLetters ?? new SqsDeadLetters({ sqs: infra.clients.sqs, queueUrl: config.EVENTS_DLQ_URL }),
    clock,
    log: infra.log,
    metrics: infra.metrics,
    maxEventBytes: config.MAX_EVENT_BYTES,
    fanoutSettleMs: config.FANOUT_SETTLE_MS,
  };
}

export function buildSendDeps(env: Env, infra: Infrastructure): SendDeps {
  const config = loadConfig(env, [...retryKeys, 'ATTEMPT_TIMEOUT_MS', 'SUBSCRIPTION_CACHE_MS', 'FAILING_DISABLE_AFTER_MS', 'TARGET_ALLOWLIST']);
  const clock = infra.clock ?? systemClock;
  const subscriptions = subscriptionRepository(env, infra);
  return {
    deliveries: deliveryRepository(env, infra),
    subscriptions: new SubscriptionLookup(subscriptions, clock, config.SUBSCRIPTION_CACHE_MS),
    subscriptionRepository: subscriptions,
    notifier: infra.notifier ?? notifierOf(env, infra),
    failingDisableAfterMs: config.FAILING_DISABLE_AFTER_MS,
    random: infra.random,
    metrics: infra.metrics,
    webhook: infra.webhook ?? new UndiciWebhookClient({ guard: { allowlist: targetAllowlist(config.TARGET_ALLOWLIST) } }),
    wakeups: wakeupQueue(env, infra),
    scheduler: infra.scheduler ?? schedulerOf(env, infra),
    clock,
    log: infra.log,
    policy: {
      baseDelayMs: config.RETRY_BASE_DELAY_MS,
      multiplier: config.RETRY_MULTIPLIER,
      maxAttempts: config.MAX_ATTEMPTS,
      jitter: config.RETRY_JITTER,
    },
    attemptTimeoutMs: config.ATTEMPT_TIMEOUT_MS,
    userAgent: USER_AGENT,
  };
}

function targetAllowlist(text: string) {
  try {
    return parseAllowlist(text);
  } catch (error) {
    throw new ConfigError(`invalid configuration: TARGET_ALLOWLIST: ${(error as Error).message}`);
  }
}

function notifierOf(env: Env, infra: Infrastructure): Notifier {
  const { NOTIFY_TOPIC_ARN } = loadConfig(env, ['NOTIFY_TOPIC_ARN']);
  if (!infra.clients.sns) throw new Error('an SNS client is needed to notify support (NOTIFY_TOPIC_ARN is set)');
  return new SnsNotifier({ sns: infra.clients.sns, topicArn: NOTIFY_TOPIC_ARN });
}

function schedulerOf(env: Env, infra: Infrastructure): WakeupScheduler {
  const config = loadConfig(env, ['SCHEDULE_GROUP', 'SCHEDULER_ROLE_ARN', 'DELIVERIES_QUEUE_ARN']);
  return new EventBridgeWakeupScheduler({
    scheduler: infra.clients.scheduler,
    groupName: config.SCHEDULE_GROUP,
    queueArn: config.DELIVERIES_QUEUE_ARN,
    roleArn: config.SCHEDULER_ROLE_ARN,
  });
}

export function buildResendDeps(env: Env, infra: Infrastructure): ResendDeps & { log: Log } {
  return { deliveries: deliveryRepository(env, infra), wakeups: wakeupQueue(env, infra), clock: infra.clock ?? systemClock, log: infra.log, metrics: infra.metrics };
}

export function buildDeliveryQueryDeps(env: Env, infra: Infrastructure): DeliveryQueryDeps & { log: Log } {
  return { deliveries: deliveryRepository(env, infra), log: infra.log };
}

export function buildSubscriptionDeps(env: Env, infra: Infrastructure): SubscriptionDeps {
  const config = loadConfig(env, ['ALLOW_HTTP', 'SIGNING_SECRET_GRACE_MS']);
  return {
    repository: subscriptionRepository(env, infra),
    clock: infra.clock ?? systemClock,
    log: infra.log,
    rules: { allowHttp: config.ALLOW_HTTP },
    secretGraceMs: config.SIGNING_SECRET_GRACE_MS,
  };
}

export function buildSweepDeps(env: Env, infra: Infrastructure): SweepDeps {
  const { SWEEP_GRACE_MS } = loadConfig(env, ['SWEEP_GRACE_MS']);
  return {
    deliveries: deliveryRepository(env, infra),
    wakeups: wakeupQueue(env, infra),
    clock: infra.clock ?? systemClock,
    log: infra.log,
    metrics: infra.metrics,
    graceMs: SWEEP_GRACE_MS,
  };
}
