// What one attempt says about its subscription. A 410 Gone disables it at once (reason `gone`); a
// run of failures with no delivery for `failingDisableAfterMs` disables it (reason `failing`).
// Either way support is notified; pending deliveries pause when they next come up (the sender does
// not attempt a disabled subscription), and stay resendable.
import type { Log } from './log';
import { noMetrics, type Metrics } from './metrics';
import type { Clock, Notifier, SubscriptionRepository } from './ports';
import { redactUrl } from './redaction';
import { disableSubscription } from './subscription-status';
import type { AttemptOutcome, DisabledReason, Subscription } from './types';

export interface HealthDeps {
  subscriptionRepository: Pick<SubscriptionRepository, 'get' | 'put' | 'markFailing' | 'clearFailing'>;
  notifier: Notifier;
  clock: Clock;
  log: Log;
  failingDisableAfterMs: number;
  metrics?: Metrics;
  /** Drops a cached copy after the subscription changed here. */
  forget(subscriptionId: string): void;
}

export function isGone(outcome: AttemptOutcome, statusCode: number | undefined): boolean {
  return outcome === 'http_status' && statusCode === 410;
}

/**
 * Records the attempt's effect on the subscription. Writes only on a change of state (failing
 * starts, failing ends, disabled), so a healthy subscription costs no write per delivery.
 */
export async function recordSubscriptionHealth(
  deps: HealthDeps,
  subscription: Subscription,
  outcome: AttemptOutcome,
  statusCode: number | undefined,
): Promise<void> {
  const now = deps.clock.now();
  if (outcome === 'delivered') {
    if (subscription.failingSince !== undefined) {
      await deps.subscriptionRepository.clearFailing(subscription.id);
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
  }
  const failingMs = now.getTime() - Date.parse(since);
  if (failingMs >= deps.failingDisableAfterMs) {
    const days = (failingMs / 86_400_000).toFixed(1);
    await disable(deps, subscription, 'failing', `every attempt has failed for ${days} days (since ${since})`, now);
  }
}

async function disable(deps: HealthDeps, subscription: Subscription, reason: DisabledReason, detail: string, now: Date): Promise<void> {
  const disabled = await disableSubscription(deps.subscriptionRepository, subscription.id, reason, now);
  deps.forget(subscription.id);
  if (!disabled) return;
  (deps.metrics ?? noMetrics).count('SubscriptionsDisabled');
  const notice = { kind: 'subscription-disabled' as const, subscriptionId: subscription.id, reason, url: redactUrl(subscription.url), at: now.toISOString(), detail };
  deps.log.warn('subscription disabled by the service; its pending deliveries pause', { ...notice });
  try {
    await deps.notifier.notify(notice);
  } catch (error) {
    // The disable stands; a lost notification must not undo or repeat it. The log line is the record.
    deps.log.error('could not notify support of a disabled subscription', { subscriptionId: subscription.id, reason, error: String(error) });
  }
}
