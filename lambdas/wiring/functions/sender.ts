import { DynamoLimiterStore } from '../../adapters/dynamo/limiter-store';
import { parseAllowlist } from '../../adapters/http/target-guard';
import { UndiciWebhookClient } from '../../adapters/http/webhook-client';
import { EventBridgeWakeupScheduler } from '../../adapters/scheduler/scheduler-wakeups';
import { SnsNotifier } from '../../adapters/sns/sns-notifier';
import { ConfigError, loadConfig, retryKeys } from '../../config';
import type { Notifier, WakeupScheduler } from '../../domain/ports';
import { LimitGate } from '../../domain/limit-gate';
import type { SendDeps } from '../../domain/send-attempt';
import { SubscriptionLookup } from '../../domain/subscription-lookup';
import { deliveryRepository, required, subscriptionRepository, systemClock, USER_AGENT, type Env, type Infrastructure } from '../common';
import { wakeupQueue } from '../wakeups';

export function buildSendDeps(env: Env, infra: Infrastructure): SendDeps {
  const config = loadConfig(env, [...retryKeys, 'ATTEMPT_TIMEOUT_MS', 'SUBSCRIPTION_CACHE_MS', 'FAILING_DISABLE_AFTER_MS', 'TARGET_ALLOWLIST', 'LIMITS_TABLE']);
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
    // One gate per instance: it keeps the concurrency slots this instance holds across invocations.
    limits: new LimitGate({
      store: new DynamoLimiterStore({ doc: infra.clients.doc, tableName: config.LIMITS_TABLE }),
      clock,
      attemptTimeoutMs: config.ATTEMPT_TIMEOUT_MS,
      owner: infra.instanceId,
    }),
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
