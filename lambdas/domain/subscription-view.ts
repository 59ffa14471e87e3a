// A subscription as support sees it. Secrets are masked everywhere but in the response that creates
// them (create, rotate-secret), which is the only time they are shown.
import { circuitOf, circuitView, type CircuitView } from './circuit';
import { MASK, redactUrl } from './redaction';
import type { BasicAuth, Subscription } from './types';

/** The subscription's own shape, with every secret masked (unless revealed once), and its circuit as support reads it. */
export type SubscriptionView = Omit<Subscription, 'circuit'> & { circuit?: CircuitView };

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
  if (subscription.disabledReason) view.disabledReason = subscription.disabledReason;
  if (subscription.failingSince) view.failingSince = subscription.failingSince;
  if (subscription.runDeliveredAt) view.runDeliveredAt = subscription.runDeliveredAt;
  view.circuit = circuitView(circuitOf(subscription));
  return view;
}

function maskAuth(auth: BasicAuth, reveal: boolean): BasicAuth {
  if (reveal) return { ...auth };
  // Without a password the username is the credential (`https://TOKEN@host/`): mask it too.
  return { username: auth.password === '' ? MASK : auth.username, password: MASK };
}
