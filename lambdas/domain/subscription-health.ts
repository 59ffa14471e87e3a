// What one attempt says about its subscription. A 410 Gone disables it at once (reason `gone`); a
// run of failures with no delivery for `failingDisableAfterMs` disables it (reason `failing`).
// Either way support is notified; pending deliveries pause when they next come up (the sender does
// not attempt a disabled subscription), and stay resendable.
//
// The run is kept on the subscription item as `failingSince`, and every write of it also drops the
// cached subscription (a read). Under intermittent failures, clearing it on every delivery and setting
// it again on the next failure would cost writes per delivery, so a delivery ends a run only once the
// run is `runSettleMs` old: a subscription costs at most two writes per that interval (the run ends,
// the next one starts), none while healthy, one for a run that never recovers.
import type { Log } from './log';
import { noMetrics, type Metrics } from './metrics';
import type { Clock, Notifier, SubscriptionRepository } from './ports';
import { redactUrl } from './redaction';
import { disableSubscription } from './subscription-status';
import type { AttemptOutcome, DisabledReason, Subscription } from './types';

export interface HealthDeps {
  subscriptionRepository: Pick<SubscriptionRepository, 'get' | 'put' | 'markFailing' | 'markRunDelivered' | 'clearFailing'>;
  notifier: Notifier;
  clock: Clock;
  log: Log;
  failingDisableAfterMs: number;
  metrics?: Metrics;
  /** Drops a cached copy after the subscription changed here. */
  forget(subscriptionId: string): void;
}

const HOUR_MS = 3_600_000;

/**
 * How old a failing run must be before a delivery ends it: an hour, or a 24th of the disable threshold
 * when that is shorter (thresholds of seconds or minutes in tests and local runs).
 */
export function runSettleMs(failingDisableAfterMs: number): number {
  return Math.min(HOUR_MS, Math.floor(failingDisableAfterMs / 24));
}

/**
 * How old a run must be to disable its subscription. Deliveries in the run's first `runSettleMs` did
 * not end it, so the threshold counts from the end of that stretch: a subscription is disabled only
 * when every attempt has failed for at least `failingDisableAfterMs`.
 */
export function disableAfterRunMs(failingDisableAfterMs: number): number {
  return failingDisableAfterMs + runSettleMs(failingDisableAfterMs);
}

export function isGone(outcome: AttemptOutcome, statusCode: number | undefined): boolean {
  return outcome === 'http_status' && statusCode === 410;
}

/** Records the attempt's effect on the subscription; see the top of this file for when it writes. */
export async function recordSubscriptionHealth(
  deps: HealthDeps,
  subscription: Subscription,
  outcome: AttemptOutcome,
  statusCode: number | undefined,
): Promise<void> {
  const now = deps.clock.now();
  const settleMs = runSettleMs(deps.failingDisableAfterMs);
  if (outcome === 'delivered') {
    const since = subscription.failingSince;
    if (since === undefined) return;
    if (now.getTime() - Date.parse(since) >= settleMs) {
      await deps.subscriptionRepository.clearFailing(subscription.id);
      deps.forget(subscription.id);
    } else if (subscription.runDeliveredAt === undefined) {
      // Too young to end the run, but remembered: a receiver that then goes quiet must not be judged
      // by this run on its next failure, days later.
      await deps.subscriptionRepository.markRunDelivered(subscription.id, now.toISOString(), since);
      deps.forget(subscription.id);
    }
    return;
  }
  if (isGone(outcome, statusCode)) {
    await disable(deps, subscription, 'gone', 'the receiver answered 410 Gone', now);
    return;
  }
  let since = subscription.failingSince;
  if (since === undefined) {
    since = now.toISOString();
    await deps.subscriptionRepository.markFailing(subscription.id, since);
    deps.forget(subscription.id);
  } else if (subscription.runDeliveredAt !== undefined) {
    // A delivery came in this run's first hour. Failures soon after it continue the run (no write
    // per flip); a failure an hour or more after it starts a new run, which it could not disable.
    if (now.getTime() - Date.parse(subscription.runDeliveredAt) < settleMs) return;
    await deps.subscriptionRepository.markFailing(subscription.id, now.toISOString(), since);
    deps.forget(subscription.id);
    return;
  }
  const limit = disableAfterRunMs(deps.failingDisableAfterMs);
  if (now.getTime() - Date.parse(since) < limit) return;
  // The subscription in hand may be a cached copy; the disable re-reads it and checks the run again,
  // so a delivery that ended the run meanwhile (on another instance) keeps it active.
  const stillFailing = (current: Subscription): boolean =>
    current.failingSince !== undefined && now.getTime() - Date.parse(current.failingSince) >= limit;
  // Counted past the run's first stretch, which may hold deliveries: a lower bound, and true.
  const days = ((now.getTime() - Date.parse(since) - runSettleMs(deps.failingDisableAfterMs)) / 86_400_000).toFixed(1);
  await disable(
    deps,
    subscription,
    'failing',
    `every attempt of the last ${days} days has failed (failing since ${since})`,
    now,
    stillFailing,
  );
}

async function disable(
  deps: HealthDeps,
  subscription: Subscription,
  reason: DisabledReason,
  detail: string,
  now: Date,
  when?: (current: Subscription) => boolean,
): Promise<void> {
  const disabled = await disableSubscription(deps.subscriptionRepository, subscription.id, reason, now, when);
  deps.forget(subscription.id);
  if (!disabled) return;
  (deps.metrics ?? noMetrics).count('SubscriptionsDisabled');
  const notice = {
    kind: 'subscription-disabled' as const,
    subscriptionId: subscription.id,
    reason,
    url: redactUrl(subscription.url),
    at: now.toISOString(),
    detail,
  };
  deps.log.warn('subscription disabled by the service; its pending deliveries pause', { ...notice });
  try {
    await deps.notifier.notify(notice);
  } catch (error) {
    // The disable stands; a lost notification must not undo or repeat it. The log line is the record.
    deps.log.error('could not notify support of a disabled subscription', {
      subscriptionId: subscription.id,
      reason,
      error: String(error),
    });
  }
}
