import { parseAllowlist } from '../../adapters/http/target-guard';
import { UndiciWebhookClient } from '../../adapters/http/webhook-client';
import { EventBridgeWakeupScheduler } from '../../adapters/scheduler/scheduler-wakeups';
import { SnsNotifier } from '../../adapters/sns/sns-notifier';
import { DynamoCircuitRepository } from '../../adapters/dynamo/circuit-repository';
import { circuitKeys, ConfigError, loadConfig, retryKeys, tableKeys } from '../../config';
import { LEASE_MARGIN_MS } from '../../domain/delivery/claim';
import type { Notifier, WakeupScheduler } from '../../domain/ports';
import type { SendDeps } from '../../domain/send-attempt';
import { SubscriptionLookup } from '../../domain/subscription-lookup';
import { deliveryRepository, required, subscriptionRepository, systemClock, USER_AGENT, type Env, type Infrastructure } from '../common';
import { slowWakeupQueue, wakeupQueue } from '../wakeups';

export function buildSendDeps(env: Env, infra: Infrastructure): SendDeps {
  const config = loadConfig(env, [...retryKeys, ...circuitKeys, 'ATTEMPT_TIMEOUT_MS', 'SUBSCRIPTION_CACHE_MS', 'FAILING_DISABLE_AFTER_MS', 'TARGET_ALLOWLIST', 'SENDER_LANE']);
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
    circuits: new DynamoCircuitRepository({ doc: infra.clients.doc, tables: { subscriptions: loadConfig(env, tableKeys).SUBSCRIPTIONS_TABLE } }),
    circuitPolicy: {
      failureThreshold: config.CIRCUIT_FAILURE_THRESHOLD,
      firstProbeMs: config.CIRCUIT_FIRST_PROBE_MS,
      maxProbeMs: Math.max(config.CIRCUIT_MAX_PROBE_MS, config.CIRCUIT_FIRST_PROBE_MS),
      // A probe holds the circuit as long as a claim holds its delivery.
      probeLeaseMs: config.ATTEMPT_TIMEOUT_MS + LEASE_MARGIN_MS,
      slowAfterMs: config.SLOW_ATTEMPT_MS,
      slowForMs: config.SLOW_LANE_MS,
    },
    lane: config.SENDER_LANE,
    slowWakeups: slowWakeupQueue(env, infra),
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
  return new SnsNotifier({ sns: required(infra.clients.sns, 'SNS'), topicArn: NOTIFY_TOPIC_ARN });
}

function schedulerOf(env: Env, infra: Infrastructure): WakeupScheduler {
  const config = loadConfig(env, ['SCHEDULE_GROUP', 'SCHEDULER_ROLE_ARN', 'DELIVERIES_QUEUE_ARN']);
  return new EventBridgeWakeupScheduler({
    scheduler: required(infra.clients.scheduler, 'Scheduler'),
    groupName: config.SCHEDULE_GROUP,
    queueArn: config.DELIVERIES_QUEUE_ARN,
    roleArn: config.SCHEDULER_ROLE_ARN,
  });
}
