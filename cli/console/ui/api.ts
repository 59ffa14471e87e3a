// The console's one way to the service: a console payload to a support function, through this
// console's server (which invokes it with the operator's credentials). Errors come back as the
// function's own one-line message.
import type { Attempt, DeadLetterSummary, Delivery, ResendResult } from '../../../lambdas/domain/types';

export type { Attempt, DeadLetterSummary, Delivery, ResendResult };
export type FunctionName = 'subscriptions' | 'resend' | 'deliveries' | 'dead-letters';

/**
 * A subscription as the subscriptions function shows it (secrets masked). Open-ended on purpose:
 * fields the service adds later are shown and edited by the generic parts of the pages.
 */
export interface SubscriptionView {
  id: string;
  url: string;
  status: 'active' | 'disabled' | 'deleted';
  eventTypes?: string[];
  headers?: Record<string, string>;
  basicAuth?: { username: string; password: string };
  signingSecrets?: Array<{ secret: string; createdAt: string; expiresAt?: string }>;
  description?: string;
  disabledReason?: string;
  failingSince?: string;
  runDeliveredAt?: string;
  circuit?: { state: 'closed' | 'open' | 'probing'; since?: string; waiting?: number };
  createdAt: string;
  updatedAt: string;
  [field: string]: unknown;
}

/**
 * The fields of SubscriptionView above: shown and edited by their own parts of the pages; any other
 * field is shown and edited generically.
 */
export const KNOWN_FIELDS: ReadonlySet<string> = new Set([
  'id',
  'url',
  'status',
  'disabledReason',
  'failingSince',
  'runDeliveredAt',
  'circuit',
  'eventTypes',
  'headers',
  'basicAuth',
  'signingSecrets',
  'description',
  'createdAt',
  'updatedAt',
]);

export class ServiceError extends Error {}

export async function call<T>(fn: FunctionName, payload: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch('/api/invoke', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ function: fn, payload }),
    });
  } catch {
    throw new ServiceError('the console is not running any more: start `crm-webhooks console` again');
  }
  const text = await response.text();
  let body: { result?: T; error?: string };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new ServiceError(text.trim() || `console answered HTTP ${response.status}`);
  }
  if (!response.ok || body.error !== undefined) throw new ServiceError(body.error ?? `console answered HTTP ${response.status}`);
  return body.result as T;
}

export async function info(): Promise<{ where: string; version: string }> {
  const response = await fetch('/api/info');
  return (await response.json()) as { where: string; version: string };
}
