// The console-invoked functions (subscriptions, resend, deliveries) and the sweeper: storage plus,
// for resend and the sweeper, the deliveries queue.
import { loadConfig } from '../../config';
import type { DeliveryQueryDeps } from '../../domain/delivery-queries';
import type { Log } from '../../domain/log';
import type { ResendDeps } from '../../domain/resend';
import type { SubscriptionDeps } from '../../domain/subscriptions';
import type { SweepDeps } from '../../domain/sweep';
import { deliveryRepository, fanoutLog, subscriptionRepository, systemClock, type Env, type Infrastructure } from '../common';
import { classifyAddress } from '../../adapters/http/target-guard';
import { wakeupQueue } from '../wakeups';
import { targetAllowlist } from '../target-allowlist';

export function buildResendDeps(env: Env, infra: Infrastructure): ResendDeps & { log: Log } {
  return { deliveries: deliveryRepository(env, infra), wakeups: wakeupQueue(env, infra), clock: infra.clock ?? systemClock, log: infra.log, metrics: infra.metrics };
}

export function buildDeliveryQueryDeps(env: Env, infra: Infrastructure): DeliveryQueryDeps & { log: Log } {
  return { deliveries: deliveryRepository(env, infra), log: infra.log };
}

export function buildSubscriptionDeps(env: Env, infra: Infrastructure): SubscriptionDeps {
  const config = loadConfig(env, ['ALLOW_HTTP', 'SIGNING_SECRET_GRACE_MS', 'TARGET_ALLOWLIST', 'MAX_EVENT_BYTES']);
  const allowlist = targetAllowlist(config.TARGET_ALLOWLIST);
  return {
    repository: subscriptionRepository(env, infra),
    clock: infra.clock ?? systemClock,
    log: infra.log,
    rules: { allowHttp: config.ALLOW_HTTP, classifyAddress: (ip) => classifyAddress(ip, allowlist) },
    secretGraceMs: config.SIGNING_SECRET_GRACE_MS,
    testEvents: {
      deliveries: deliveryRepository(env, infra),
      fanoutLog: fanoutLog(env, infra),
      wakeups: wakeupQueue(env, infra),
      maxEventBytes: config.MAX_EVENT_BYTES,
    },
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
