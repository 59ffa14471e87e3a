// One attempt of one delivery: claim it, POST the stored body, record the outcome, arrange the next
// attempt. A failed HTTP attempt is a normal result; only storage or scheduling errors throw, so the
// queue retries the message.
import { classifyAttempt } from './attempt-outcome';
import { deliveryKeyOf } from './delivery-id';
import { attemptMetric, noMetrics, type Metrics } from './metrics';
import type { AttemptConclusion, DeliveryRepository, WebhookClient, WakeupQueue, WakeupScheduler } from './ports';
import { scrub, secretsOf } from './redaction';
import { afterFailedAttempt, type RetryPolicy } from './retry-policy';
import { isGone, recordSubscriptionHealth, type HealthDeps } from './subscription-health';
import type { SubscriptionLookup } from './subscription-lookup';
import type { Attempt, AttemptTrigger, Delivery, DeliveryWakeup } from './types';
import { wakeAt } from './wakeup-plan';
import { webhookRequest } from './webhook-request';

/** How long after the attempt's own time limit a claim stays exclusive. */
export const LEASE_MARGIN_MS = 30_000;

export interface SendDeps extends Omit<HealthDeps, 'forget'> {
  deliveries: DeliveryRepository;
  subscriptions: Pick<SubscriptionLookup, 'get' | 'forget'>;
  webhook: WebhookClient;
  wakeups: Pick<WakeupQueue, 'sendDelayed'>;
  scheduler: WakeupScheduler;
  policy: RetryPolicy;
  attemptTimeoutMs: number;
  userAgent: string;
  /** Uniform in [0, 1) for retry jitter; Math.random by default. */
  random?: () => number;
  metrics?: Metrics;
}

export type SendOutcome =
  | { kind: 'attempted'; attempt: Attempt; conclusion: Delivery['status'] }
  | { kind: 'closed'; status: 'failed' | 'paused'; reason: string }
  | { kind: 'skipped'; reason: string };

export interface WakeupContext {
  /** The queue has handed this message out before: an earlier try may have stopped half-way. */
  redelivered: boolean;
}

export async function sendAttempt(deps: SendDeps, wakeup: DeliveryWakeup, context: WakeupContext): Promise<SendOutcome> {
  const key = deliveryKeyOf(wakeup.deliveryId);
  if (!key) {
    deps.log.warn('wake-up for an unknown delivery ignored', { deliveryId: wakeup.deliveryId, attempt: wakeup.attempt });
    return { kind: 'skipped', reason: 'unknown delivery' };
  }
  // The event first: its plan is what lets the first claim create the delivery item.
  const event = await deps.deliveries.getEvent(key.eventId);
  const planned = event !== undefined && wakeup.attempt === 1 && event.subscriptionIds.includes(key.subscriptionId);
  const claimedAt = deps.clock.now();
  const lease = new Date(claimedAt.getTime() + deps.attemptTimeoutMs + LEASE_MARGIN_MS);
  const origin = planned ? { eventType: event.type, createdAt: event.receivedAt } : undefined;
  const delivery = await deps.deliveries.claimAttempt(wakeup, claimedAt.toISOString(), lease.toISOString(), origin);
  if (!delivery) return handleUnclaimed(deps, wakeup, context, claimedAt);
  const fields = { deliveryId: delivery.deliveryId, eventId: delivery.eventId, subscriptionId: delivery.subscriptionId, attempt: wakeup.attempt };

  if (!event) return close(deps, delivery, 'failed', 'event no longer stored (retention expired)', fields);
  const subscription = await deps.subscriptions.get(delivery.subscriptionId);
  if (!subscription || subscription.status === 'deleted') return close(deps, delivery, 'failed', 'subscription deleted', fields);
  if (subscription.status !== 'active') {
    return close(deps, delivery, 'paused', `subscription ${subscription.status}${subscription.disabledReason ? ` (${subscription.disabledReason})` : ''}`, fields);
  }

  const startedAt = deps.clock.now();
  const request = webhookRequest({
    subscription,
    deliveryId: delivery.deliveryId,
    body: event.body,
    sentAt: startedAt,
    userAgent: deps.userAgent,
    timeoutMs: deps.attemptTimeoutMs,
  });
  const result = await deps.webhook.post(request);
  const endedAt = deps.clock.now();
  const classified = classifyAttempt(result, endedAt);
  const secrets = secretsOf(subscription);
  const attempt: Attempt = {
    deliveryId: delivery.deliveryId,
    number: wakeup.attempt,
    trigger: triggerOf(delivery),
    startedAt: startedAt.toISOString(),
    durationMs: classified.durationMs,
    outcome: classified.outcome,
    statusCode: classified.statusCode,
    error: classified.error === undefined ? undefined : scrub(classified.error, secrets),
    responseBody: classified.responseBody === undefined ? undefined : scrub(classified.responseBody, secrets),
  };

  const conclusion: AttemptConclusion =
    attempt.outcome === 'delivered'
      ? { status: 'delivered' }
      : isGone(attempt.outcome, attempt.statusCode)
        ? { status: 'paused' }
        : afterFailedAttempt(deps.policy, wakeup.attempt - delivery.budgetStart, endedAt, {
            retryAfterMs: classified.retryAfterMs,
            random: deps.random,
          });
  const recorded = await deps.deliveries.completeAttempt(delivery, attempt, conclusion, endedAt.toISOString());
  const metrics = deps.metrics ?? noMetrics;
  metrics.count(attemptMetric(attempt.outcome));
  metrics.milliseconds('AttemptLatency', attempt.durationMs);
  const logFields = { ...fields, outcome: attempt.outcome, statusCode: attempt.statusCode, durationMs: attempt.durationMs, conclusion: conclusion.status };
  if (!recorded) {
    deps.log.warn('attempt made but the delivery was taken over meanwhile; result not applied', logFields);
    return { kind: 'skipped', reason: 'lease lost' };
  }
  if (conclusion.status === 'pending') {
    const plan = await wakeAt(deps, { deliveryId: delivery.deliveryId, attempt: wakeup.attempt + 1 }, endedAt, new Date(conclusion.nextAttemptAt));
    metrics.count(plan.kind === 'queue' ? 'RetriesQueued' : 'RetriesScheduled');
    deps.log.info('attempt failed; retry arranged', { ...logFields, nextAttemptAt: conclusion.nextAttemptAt, wakeup: plan.kind, error: attempt.error });
  } else if (conclusion.status === 'failed') {
    metrics.count('DeliveriesFailed');
    deps.log.warn('attempt failed; no attempts left, delivery failed', { ...logFields, error: attempt.error });
  } else if (conclusion.status === 'paused') {
    metrics.count('DeliveriesPaused');
    deps.log.warn('receiver answered 410 Gone; delivery paused', logFields);
  } else {
    metrics.count('DeliveriesDelivered');
    deps.log.debug('delivered', logFields);
  }
  await recordSubscriptionHealth({ ...deps, forget: (id) => deps.subscriptions.forget(id) }, subscription, attempt.outcome, attempt.statusCode);
  return { kind: 'attempted', attempt, conclusion: conclusion.status };
}

function triggerOf(delivery: Delivery): AttemptTrigger {
  return delivery.nextTrigger ?? (delivery.attemptCount === 1 ? 'initial' : 'retry');
}

async function close(
  deps: SendDeps,
  delivery: Delivery,
  status: 'failed' | 'paused',
  reason: string,
  fields: Record<string, unknown>,
): Promise<SendOutcome> {
  const closed = await deps.deliveries.closeWithoutAttempt(delivery, status, reason, deps.clock.now().toISOString());
  if (!closed) return { kind: 'skipped', reason: 'lease lost' };
  (deps.metrics ?? noMetrics).count(status === 'failed' ? 'DeliveriesFailed' : 'DeliveriesPaused');
  deps.log.warn(`delivery ${status} without an attempt: ${reason}`, fields);
  return { kind: 'closed', status, reason };
}

/**
 * The claim failed: a duplicate message, a wake-up that came early, or the retry of a message whose
 * earlier processing stopped after the attempt was recorded but before its successor was arranged.
 */
async function handleUnclaimed(deps: SendDeps, wakeup: DeliveryWakeup, context: WakeupContext, now: Date): Promise<SendOutcome> {
  const delivery = await deps.deliveries.get(wakeup.deliveryId);
  const fields = { deliveryId: wakeup.deliveryId, attempt: wakeup.attempt };
  if (!delivery) {
    deps.log.warn('wake-up for an unknown delivery ignored', fields);
    return { kind: 'skipped', reason: 'unknown delivery' };
  }
  if (delivery.status !== 'pending' || delivery.nextAttemptAt === undefined) {
    return { kind: 'skipped', reason: `delivery ${delivery.status}` };
  }
  const nextAt = new Date(delivery.nextAttemptAt);
  if (delivery.attemptCount === wakeup.attempt - 1 && nextAt > now) {
    await wakeAt(deps, wakeup, now, nextAt);
    deps.log.info('wake-up came early; re-arranged for the due time', { ...fields, nextAttemptAt: delivery.nextAttemptAt });
    return { kind: 'skipped', reason: 'early' };
  }
  if (context.redelivered && delivery.attemptCount === wakeup.attempt && delivery.leaseUntil === undefined) {
    const next = { deliveryId: delivery.deliveryId, attempt: wakeup.attempt + 1 };
    await wakeAt(deps, next, now, nextAt);
    deps.log.info('attempt already recorded; its retry wake-up re-arranged', { ...fields, nextAttemptAt: delivery.nextAttemptAt });
    return { kind: 'skipped', reason: 'retry re-arranged' };
  }
  deps.log.info('duplicate wake-up ignored', fields);
  (deps.metrics ?? noMetrics).count('WakeupsDuplicate');
  return { kind: 'skipped', reason: 'duplicate' };
}
