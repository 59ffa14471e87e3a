// A subscription as support sees it. Secrets are masked everywhere but in the response that creates
// them (create, rotate-secret), which is the only time they are shown.
import { MASK, redactUrl } from './redaction';
import { limitsOf } from './subscription-limits';
import type { BasicAuth, Subscription } from './types';

/** The subscription's own shape, with every secret masked (unless revealed once). */
export type SubscriptionView = Subscription;

export function viewOf(subscription: Subscription, options: { reveal?: boolean } = {}): SubscriptionView {
  const reveal = options.reveal === true;
  const view: SubscriptionView = {
    id: subscription.id,
    url: reveal ? subscription.url : redactUrl(subscription.url),
    status: subscription.status,
    createdAt: subscription.createdAt,
    updatedAt: subscription.updatedAt,
  };
  if (subscription.basicAuth) view.basicAuth = maskAuth(subscription.basicAuth, reveal);
  if (subscription.eventTypes) view.eventTypes = subscription.eventTypes;
  if (subscription.headers) {
    view.headers = Object.fromEntries(Object.entries(subscription.headers).map(([k, v]) => [k, reveal ? v : MASK]));
  }
  if (subscription.signingSecrets) {
    view.signingSecrets = subscription.signingSecrets.map((s) => ({ ...s, secret: reveal ? s.secret : `whsec_${MASK}` }));
  }
  if (subscription.description !== undefined) view.description = subscription.description;
  // The limits in force, the default concurrency included, so support sees what a receiver gets.
  Object.assign(view, limitsOf(subscription));
  if (subscription.disabledReason) view.disabledReason = subscription.disabledReason;
  if (subscription.failingSince) view.failingSince = subscription.failingSince;
  if (subscription.runDeliveredAt) view.runDeliveredAt = subscription.runDeliveredAt;
  return view;
}

function maskAuth(auth: BasicAuth, reveal: boolean): BasicAuth {
  if (reveal) return { ...auth };
  // Without a password the username is the credential (`https://TOKEN@host/`): mask it too.
  return { username: auth.password === '' ? MASK : auth.username, password: MASK };
}
