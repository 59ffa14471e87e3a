// The request of one attempt (DESIGN.md, "HTTP request"): the stored body as published, the
// subscription's static headers, then the service's own headers, which a subscription cannot
// override. `webhook-id` is the delivery id, the same on every attempt, so receivers can drop repeats.
import type { WebhookRequest } from './ports';
import { signatureHeader, validSecrets } from './signing';
import { requestTargetOf } from './target';
import type { Subscription } from './types';

export interface RequestInput {
  subscription: Subscription;
  deliveryId: string;
  body: string;
  sentAt: Date;
  userAgent: string;
  timeoutMs: number;
}

export function webhookRequest(input: RequestInput): WebhookRequest {
  const target = requestTargetOf(input.subscription);
  const headers: Record<string, string> = { ...(input.subscription.headers ?? {}) };
  headers['content-type'] = 'application/json';
  headers['user-agent'] = input.userAgent;
  headers['webhook-id'] = input.deliveryId;
  headers['webhook-timestamp'] = String(Math.floor(input.sentAt.getTime() / 1000));
  const secrets = validSecrets(input.subscription.signingSecrets, input.sentAt);
  if (secrets.length > 0) {
    // Signed over the same whole-second timestamp the header carries.
    headers['webhook-signature'] = signatureHeader(
      secrets,
      input.deliveryId,
      new Date(Math.floor(input.sentAt.getTime() / 1000) * 1000),
      input.body,
    );
  }
  if (target.authorization) headers.authorization = target.authorization;
  return { url: target.url, headers, body: input.body, timeoutMs: input.timeoutMs };
}
