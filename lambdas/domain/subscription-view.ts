// A subscription as support sees it. Secrets are masked everywhere but in the response that creates
// them (create, rotate-secret), which is the only time they are shown.
import { circuitOf, circuitView, type CircuitView } from './circuit';
import { MASK, redactUrl } from './redaction';
import { limitsOf } from './subscription-limits';
import type { BasicAuth, SigningSecret, Subscription } from './types';

declare const shown: unique symbol;
/** A secret as a view shows it: masked, or revealed in the one response that sets it. Only viewOf makes one. */
export type ShownSecret = string & { readonly [shown]: true };

/**
 * The subscription's own shape with every field that holds a secret typed as shown: a Subscription
 * is not a SubscriptionView, so a response cannot carry an unmasked subscription by mistake.
 */
export type SubscriptionView = Omit<Subscription, 'url' | 'basicAuth' | 'headers' | 'signingSecrets' | 'circuit'> & {
  /** The circuit as support reads it (closed, open or probing, since when, deliveries waiting). */
  circuit?: CircuitView;
  url: ShownSecret;
  basicAuth?: { username: ShownSecret; password: ShownSecret };
  headers?: Record<string, ShownSecret>;
  signingSecrets?: Array<Omit<SigningSecret, 'secret'> & { secret: ShownSecret }>;
};

function show(reveal: boolean, secret: string, masked: string): ShownSecret {
  return (reveal ? secret : masked) as ShownSecret;
}

export function viewOf(subscription: Subscription, options: { reveal?: boolean } = {}): SubscriptionView {
  const reveal = options.reveal === true;
  const view: SubscriptionView = {
    id: subscription.id,
    url: show(reveal, subscription.url, redactUrl(subscription.url)),
    status: subscription.status,
    createdAt: subscription.createdAt,
    updatedAt: subscription.updatedAt,
  };
  if (subscription.basicAuth) view.basicAuth = maskAuth(subscription.basicAuth, reveal);
  if (subscription.eventTypes) view.eventTypes = subscription.eventTypes;
  if (subscription.headers) {
    view.headers = Object.fromEntries(Object.entries(subscription.headers).map(([k, v]) => [k, show(reveal, v, MASK)]));
  }
  if (subscription.signingSecrets) {
    view.signingSecrets = subscription.signingSecrets.map((s) => ({ ...s, secret: show(reveal, s.secret, `whsec_${MASK}`) }));
  }
  if (subscription.description !== undefined) view.description = subscription.description;
  // The limits in force, the default concurrency included, so support sees what a receiver gets.
  Object.assign(view, limitsOf(subscription));
  if (subscription.disabledReason) view.disabledReason = subscription.disabledReason;
  if (subscription.failingSince) view.failingSince = subscription.failingSince;
  if (subscription.runDeliveredAt) view.runDeliveredAt = subscription.runDeliveredAt;
  view.circuit = circuitView(circuitOf(subscription));
  return view;
}

function maskAuth(auth: BasicAuth, reveal: boolean): NonNullable<SubscriptionView['basicAuth']> {
  // Without a password the username is the credential (`https://TOKEN@host/`): mask it too.
  const username = auth.password === '' ? MASK : auth.username;
  return { username: show(reveal, auth.username, username), password: show(reveal, auth.password, MASK) };
}
