// Post: one signed HTTP POST of the stored event body to the subscription's URL.
import { webhookRequest } from '../webhook-request';
import { watchSlow } from './slow-watch';
import type { Posted, Ready, SendDeps } from './steps';

type PostDeps = Pick<
  SendDeps,
  'webhook' | 'clock' | 'userAgent' | 'attemptTimeoutMs' | 'circuits' | 'circuitPolicy' | 'subscriptions' | 'log'
>;

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
  const watch = watchSlow(deps, ready);
  const result = await deps.webhook.post(request);
  const endedAt = deps.clock.now();
  const slowMarked = await watch.stop();
  return { ...ready, startedAt, endedAt, result, slowMarked };
}
