// Post: one signed HTTP POST of the stored event body to the subscription's URL.
import { webhookRequest } from '../webhook-request';
import type { Posted, Ready, SendDeps } from './steps';

type PostDeps = Pick<SendDeps, 'webhook' | 'clock' | 'userAgent' | 'attemptTimeoutMs'>;

export async function postAttempt(deps: PostDeps, ready: Ready): Promise<Posted> {
  const startedAt = deps.clock.now();
  const request = webhookRequest({
    subscription: ready.subscription,
    deliveryId: ready.delivery.deliveryId,
    body: ready.event.body,
    sentAt: startedAt,
    userAgent: deps.userAgent,
    timeoutMs: deps.attemptTimeoutMs,
  });
  const result = await deps.webhook.post(request);
  return { ...ready, startedAt, endedAt: deps.clock.now(), result };
}
