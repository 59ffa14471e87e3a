import { DynamoLimiterStore } from '../../adapters/dynamo/limiter-store';
import { UndiciWebhookClient } from '../../adapters/http/webhook-client';
import { EventBridgeWakeupScheduler } from '../../adapters/scheduler/scheduler-wakeups';
import { SnsNotifier } from '../../adapters/sns/sns-notifier';
import { DynamoCircuitRepository } from '../../adapters/dynamo/circuit-repository';
import { DynamoWaitList } from '../../adapters/dynamo/wait-list';
import { circuitKeys, loadConfig, retryKeys, type Config } from '../../config';
import { LEASE_MARGIN_MS } from '../../domain/delivery/claim';
import { PROBE_ANSWER_MARGIN_MS } from '../../domain/circuit';
import type { Notifier, WakeupScheduler } from '../../domain/ports';
import { LimitGate } from '../../domain/limit-gate';
import { LagReporter } from '../../domain/queue-lag';
import { SubscriptionLookup } from '../../domain/subscription-lookup';
import {
  deliveryRepository,
  queueLagStore,
  required,
  storageKeys,
  subscriptionRepository,
  systemClock,
  USER_AGENT,
  type Env,
  type Infrastructure,
} from '../common';
import { createSenderHandler, type SenderHandlerDeps } from '../../handlers/sender';
import { lambdaHandler } from '../lambda-handler';
import { targetAllowlist } from '../target-allowlist';
import { slowWakeupQueue, wakeupQueue } from '../wakeups';

const senderKeys = [
  ...storageKeys,
  ...retryKeys,
  ...circuitKeys,
  'SENDER_LANE',
  'SLOW_DELIVERIES_QUEUE_URL',
  'ATTEMPT_TIMEOUT_MS',
  'SUBSCRIPTION_CACHE_MS',
  'FAILING_DISABLE_AFTER_MS',
  'TARGET_ALLOWLIST',
  'DELIVERIES_QUEUE_URL',
  'NOTIFY_TOPIC_ARN',
  'SCHEDULE_GROUP',
  'SCHEDULER_ROLE_ARN',
  'DELIVERIES_QUEUE_ARN',
] as const;
type SenderConfig = Config<(typeof senderKeys)[number]>;

export function buildSendDeps(env: Env, infra: Infrastructure): SenderHandlerDeps {
  const config = loadConfig(env, senderKeys);
  const clock = infra.clock ?? systemClock;
  const subscriptions = subscriptionRepository(config, infra);
  return {
    deliveries: deliveryRepository(config, infra),
    subscriptions: new SubscriptionLookup(subscriptions, clock, config.SUBSCRIPTION_CACHE_MS),
    subscriptionRepository: subscriptions,
    notifier: infra.notifier ?? notifierOf(config, infra),
    failingDisableAfterMs: config.FAILING_DISABLE_AFTER_MS,
    random: infra.random,
    metrics: infra.metrics,
    webhook: infra.webhook ?? new UndiciWebhookClient({ guard: { allowlist: targetAllowlist(config.TARGET_ALLOWLIST, infra.log) } }),
    wakeups: wakeupQueue(config, infra),
    scheduler: infra.scheduler ?? schedulerOf(config, infra),
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
    // One gate per instance: it keeps the concurrency slots this instance holds across invocations.
    limits: new LimitGate({
      store: new DynamoLimiterStore({ doc: infra.clients.doc, tableName: config.LIMITS_TABLE }),
      clock,
      attemptTimeoutMs: config.ATTEMPT_TIMEOUT_MS,
      owner: infra.instanceId,
    }),
    circuits: new DynamoCircuitRepository({ doc: infra.clients.doc, tables: { subscriptions: config.SUBSCRIPTIONS_TABLE } }),
    waitList: new DynamoWaitList({ doc: infra.clients.doc, tableName: config.FANOUTS_TABLE, retentionDays: config.RETENTION_DAYS }),
    circuitPolicy: {
      failureThreshold: config.CIRCUIT_FAILURE_THRESHOLD,
      minRunMs: config.CIRCUIT_MIN_RUN_MS,
      firstProbeMs: config.CIRCUIT_FIRST_PROBE_MS,
      maxProbeMs: Math.max(config.CIRCUIT_MAX_PROBE_MS, config.CIRCUIT_FIRST_PROBE_MS),
      // A probe holds the circuit as long as a claim holds its delivery.
      probeLeaseMs: config.ATTEMPT_TIMEOUT_MS + LEASE_MARGIN_MS,
      probeAnswerMs: config.ATTEMPT_TIMEOUT_MS + PROBE_ANSWER_MARGIN_MS,
      slowAfterMs: config.SLOW_ATTEMPT_MS,
      slowForMs: config.SLOW_LANE_MS,
    },
    lane: config.SENDER_LANE,
    slowWakeups: slowWakeupQueue(config, infra),
    queueLag: infra.queuedWakeups
      ? undefined
      : new LagReporter({ store: queueLagStore(config, infra), clock, log: infra.log }, config.SENDER_LANE),
  };
}

function notifierOf(config: SenderConfig, infra: Infrastructure): Notifier {
  return new SnsNotifier({ sns: required(infra.clients.sns, 'SNS'), topicArn: config.NOTIFY_TOPIC_ARN });
}

function schedulerOf(config: SenderConfig, infra: Infrastructure): WakeupScheduler {
  return new EventBridgeWakeupScheduler({
    scheduler: required(infra.clients.scheduler, 'Scheduler'),
    groupName: config.SCHEDULE_GROUP,
    queueArn: config.DELIVERIES_QUEUE_ARN,
    roleArn: config.SCHEDULER_ROLE_ARN,
  });
}

/** The sender function's entry point; `deps` when the caller keeps them (the local runtime closes the webhook client). */
export function senderFunction(env: Env, infra: Infrastructure, deps: SenderHandlerDeps = buildSendDeps(env, infra)) {
  return lambdaHandler(createSenderHandler(deps), infra);
}
