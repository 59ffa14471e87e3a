// Subscriptions as support reads them. Secrets appear exactly as the function returned them: masked,
// except in the create and rotate-secret responses, which show them this once.
import type { SubscriptionView } from '../../lambdas/domain/subscription-view';
import { detailTable, listTable } from './table';
import { singleLine, truncate } from './text';

export function subscriptionDetail(s: SubscriptionView): string {
  return detailTable([
    ['id', s.id],
    ['url', singleLine(s.url)],
    ['status', s.disabledReason ? `${s.status} (${s.disabledReason})` : s.status],
    ['failing since', s.failingSince],
    ['event types', s.eventTypes ? s.eventTypes.map(singleLine).join(', ') : 'all'],
    [
      'headers',
      s.headers
        ? Object.entries(s.headers)
            .map(([name, value]) => `${singleLine(name)}: ${singleLine(value)}`)
            .join('\n')
        : undefined,
    ],
    ['basic auth', s.basicAuth ? `${singleLine(s.basicAuth.username)} / ${singleLine(s.basicAuth.password)}` : undefined],
    [
      'signing secrets',
      s.signingSecrets?.map((k) => `${k.secret} (created ${k.createdAt}${k.expiresAt ? `, stops signing ${k.expiresAt}` : ''})`).join('\n'),
    ],
    ['description', s.description === undefined ? undefined : singleLine(s.description)],
    ['created', s.createdAt],
    ['updated', s.updatedAt],
  ]);
}

export function subscriptionList(subscriptions: SubscriptionView[]): string {
  if (subscriptions.length === 0) return 'No subscriptions.';
  const rows = subscriptions.map((s) => [
    s.id,
    s.disabledReason ? `${s.status} (${s.disabledReason})` : s.status,
    truncate(singleLine(s.url), 60),
    s.eventTypes ? truncate(s.eventTypes.map(singleLine).join(', '), 40) : 'all',
    s.description === undefined ? '' : truncate(singleLine(s.description), 40),
    s.createdAt,
  ]);
  const count = `${subscriptions.length} subscription${subscriptions.length === 1 ? '' : 's'}`;
  return `${listTable(['id', 'status', 'url', 'event types', 'description', 'created'], rows)}\n${count}`;
}

/** After create: the one response with every secret in clear. */
export const CREATED_NOTE = 'Shown only now: later responses mask the URL secret, Basic auth password, header values and signing secret.';

export function rotatedNote(secret: string): string {
  return (
    `New signing secret (shown only now): ${secret}\n` +
    'The previous secrets keep signing until the time shown, so the receiver can switch at its pace.'
  );
}
