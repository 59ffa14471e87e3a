// The console-invoked functions (subscriptions, resend, deliveries) and the sweeper: storage plus,
// for resend and the sweeper, the deliveries queue.
import { loadConfig } from '../../config';
import { createDeliveriesHandler } from '../../handlers/deliveries';
import { createResendHandler } from '../../handlers/resend';
import { createSubscriptionsHandler } from '../../handlers/subscriptions';
import { createSweeperHandler } from '../../handlers/sweeper';
import type { DeliveryQueryDeps } from '../../domain/delivery-queries';
import type { Log } from '../../domain/log';
import { LaggingQueues } from '../../domain/queue-lag';
import type { ResendDeps } from '../../domain/resend';
import type { SubscriptionDeps } from '../../domain/subscriptions';
import type { SweepDeps } from '../../domain/sweep';
import {
  deliveryRepository,
  fanoutLog,
  queueLagStore,
  storageKeys,
  subscriptionRepository,
  systemClock,
  type Env,
  type Infrastructure,
} from '../common';
import { lambdaHandler } from '../lambda-handler';
import { classifyAddress } from '../../adapters/http/target-guard';
import { wakeupQueue } from '../wakeups';
import { targetAllowlist } from '../target-allowlist';

export function buildResendDeps(env: Env, infra: Infrastructure): ResendDeps & { log: Log } {
  const config = loadConfig(env, [...storageKeys, 'DELIVERIES_QUEUE_URL']);
  return {
    deliveries: deliveryRepository(config, infra),
    wakeups: wakeupQueue(config, infra),
    clock: infra.clock ?? systemClock,
    log: infra.log,
    metrics: infra.metrics,
  };
}

export function buildDeliveryQueryDeps(env: Env, infra: Infrastructure): DeliveryQueryDeps & { log: Log } {
  const config = loadConfig(env, storageKeys);
  return { deliveries: deliveryRepository(config, infra), subscriptions: subscriptionRepository(config, infra), log: infra.log };
}

export function buildSubscriptionDeps(env: Env, infra: Infrastructure): SubscriptionDeps {
  const config = loadConfig(env, [
    ...storageKeys,
    'DELIVERIES_QUEUE_URL',
    'ALLOW_HTTP',
    'SIGNING_SECRET_GRACE_MS',
    'TARGET_ALLOWLIST',
    'MAX_EVENT_BYTES',
  ]);
  const allowlist = targetAllowlist(config.TARGET_ALLOWLIST, infra.log);
  return {
    repository: subscriptionRepository(config, infra),
    clock: infra.clock ?? systemClock,
    log: infra.log,
    rules: { allowHttp: config.ALLOW_HTTP, classifyAddress: (ip) => classifyAddress(ip, allowlist) },
    secretGraceMs: config.SIGNING_SECRET_GRACE_MS,
    testEvents: {
      deliveries: deliveryRepository(config, infra),
      fanoutLog: fanoutLog(config, infra),
      wakeups: wakeupQueue(config, infra),
      maxEventBytes: config.MAX_EVENT_BYTES,
    },
  };
}

export function buildSweepDeps(env: Env, infra: Infrastructure): SweepDeps {
  const config = loadConfig(env, [...storageKeys, 'DELIVERIES_QUEUE_URL', 'SWEEP_GRACE_MS']);
  return {
    deliveries: deliveryRepository(config, infra),
    fanoutLog: fanoutLog(config, infra),
    wakeups: wakeupQueue(config, infra),
    queued: infra.queuedWakeups ?? new LaggingQueues({ store: queueLagStore(config, infra), clock: infra.clock ?? systemClock }),
    clock: infra.clock ?? systemClock,
    log: infra.log,
    metrics: infra.metrics,
    graceMs: config.SWEEP_GRACE_MS,
  };
}

/** The support functions' entry points, as Lambda runs them (and the local runtime and the tests). */
export function resendFunction(env: Env, infra: Infrastructure) {
  return lambdaHandler(createResendHandler(buildResendDeps(env, infra)), infra, { callerErrorsOf: 'resend' });
}

export function deliveriesFunction(env: Env, infra: Infrastructure) {
  return lambdaHandler(createDeliveriesHandler(buildDeliveryQueryDeps(env, infra)), infra, { callerErrorsOf: 'deliveries' });
}

export function subscriptionsFunction(env: Env, infra: Infrastructure) {
  return lambdaHandler(createSubscriptionsHandler(buildSubscriptionDeps(env, infra)), infra, { callerErrorsOf: 'subscriptions' });
}

export function sweeperFunction(env: Env, infra: Infrastructure) {
  return lambdaHandler(createSweeperHandler(buildSweepDeps(env, infra)), infra);
}
