// The console-invoked functions (subscriptions, resend, deliveries) and the sweeper: storage plus,
// for resend and the sweeper, the deliveries queue.
import { loadConfig } from '../../config';
import type { DeliveryQueryDeps } from '../../domain/delivery-queries';
import type { Log } from '../../domain/log';
import type { ResendDeps } from '../../domain/resend';
import type { SubscriptionDeps } from '../../domain/subscriptions';
import type { SweepDeps } from '../../domain/sweep';
import { deliveryRepository, fanoutLog, subscriptionRepository, systemClock, type Env, type Infrastructure } from '../common';
import { wakeupQueue } from '../wakeups';

export function buildResendDeps(env: Env, infra: Infrastructure): ResendDeps & { log: Log } {
  return { deliveries: deliveryRepository(env, infra), wakeups: wakeupQueue(env, infra), clock: infra.clock ?? systemClock, log: infra.log, metrics: infra.metrics };
}

export function buildDeliveryQueryDeps(env: Env, infra: Infrastructure): DeliveryQueryDeps & { log: Log } {
  return { deliveries: deliveryRepository(env, infra), subscriptions: subscriptionRepository(env, infra), log: infra.log };
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
    fanoutLog: fanoutLog(env, infra),
    wakeups: wakeupQueue(env, infra),
    clock: infra.clock ?? systemClock,
    log: infra.log,
    metrics: infra.metrics,
    graceMs: SWEEP_GRACE_MS,
  };
}
