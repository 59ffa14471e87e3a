// Check the subscription: a claimed delivery is sent only while its event is stored and its
// subscription active. Otherwise it ends (failed) or pauses without an HTTP attempt.
import { noMetrics } from '../metrics';
import type { Subscription } from '../types';
import { stop, type Claimed, type Ready, type SendDeps, type Stop } from './steps';

type CheckDeps = Pick<SendDeps, 'subscriptions' | 'deliveries' | 'clock' | 'log' | 'metrics'>;

export async function checkSubscription(deps: CheckDeps, claimed: Claimed): Promise<Ready | Stop> {
  const { event } = claimed;
  if (!event) return closeWithoutAttempt(deps, claimed, 'failed', 'event no longer stored (retention expired)');
  const subscription = await deps.subscriptions.get(claimed.delivery.subscriptionId);
  if (!subscription || subscription.status === 'deleted') return closeWithoutAttempt(deps, claimed, 'failed', 'subscription deleted');
  if (subscription.status !== 'active') return closeWithoutAttempt(deps, claimed, 'paused', `subscription ${inactiveReason(subscription)}`);
  return { ...claimed, event, subscription };
}

function inactiveReason(subscription: Subscription): string {
  const why = subscription.disabledReason ? ` (${subscription.disabledReason})` : '';
  return `${subscription.status}${why}`;
}

async function closeWithoutAttempt(deps: CheckDeps, claimed: Claimed, status: 'failed' | 'paused', reason: string): Promise<Stop> {
  const closed = await deps.deliveries.closeWithoutAttempt(claimed.delivery, status, reason, deps.clock.now().toISOString());
  if (!closed) return stop({ kind: 'skipped', reason: 'lease lost' });
  (deps.metrics ?? noMetrics).count(status === 'failed' ? 'DeliveriesFailed' : 'DeliveriesPaused');
  deps.log.warn(`delivery ${status} without an attempt: ${reason}`, claimed.fields);
  return stop({ kind: 'closed', status, reason });
}
