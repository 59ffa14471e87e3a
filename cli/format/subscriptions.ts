// Subscriptions as support reads them. Secrets appear exactly as the function returned them: masked,
// except in the create and rotate-secret responses, which show them this once.
import type { CircuitView } from '../../lambdas/domain/circuit';
import type { SubscriptionView } from '../../lambdas/domain/subscription-view';
import { detailTable, listTable } from './table';
import { plural, singleLine, truncate } from './text';

/**
 * The circuit in one line: `closed`, or since when it is open and how many deliveries wait behind it.
 * Probing is still open (one delivery is trying the receiver), so it says since when it is open too.
 * The detail view also says when a closed circuit last closed, and spells the waiting out.
 */
export function circuitText(circuit: CircuitView | undefined, view: 'list' | 'detail'): string | undefined {
  if (!circuit) return undefined;
  if (circuit.state === 'closed') return view === 'detail' && circuit.since ? `closed since ${circuit.since}` : 'closed';
  const since = circuit.since ? `open since ${circuit.since}` : 'open';
  const waiting = view === 'list' ? `${circuit.waiting} waiting` : `${plural(circuit.waiting, 'delivery', 'deliveries')} waiting`;
  return `${circuit.state === 'probing' ? `probing, ${since}` : since}, ${waiting}`;
}

/** The limits in force: requests in flight at once, and requests per second if rate-limited. */
function limitsText(s: Pick<SubscriptionView, 'maxConcurrency' | 'rateLimit'>): string {
  const parts = [
    s.maxConcurrency === undefined ? undefined : `${s.maxConcurrency} in flight`,
    s.rateLimit === undefined ? undefined : `${s.rateLimit}/s`,
  ];
  return parts.filter((part) => part !== undefined).join(', ');
}

export function subscriptionDetail(s: SubscriptionView): string {
  return detailTable([
    ['id', s.id],
    ['url', singleLine(s.url)],
    ['status', s.disabledReason ? `${s.status} (${s.disabledReason})` : s.status],
    ['failing since', s.failingSince],
    ['circuit', circuitText(s.circuit, 'detail')],
    ['max concurrency', s.maxConcurrency === undefined ? undefined : `${plural(s.maxConcurrency, 'request')} in flight at once`],
    ['rate limit', s.rateLimit === undefined ? 'none' : `${plural(s.rateLimit, 'request')} per second`],
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
    circuitText(s.circuit, 'list'),
    limitsText(s),
    truncate(singleLine(s.url), 60),
    s.eventTypes ? truncate(s.eventTypes.map(singleLine).join(', '), 40) : 'all',
    s.description === undefined ? '' : truncate(singleLine(s.description), 40),
    s.createdAt,
  ]);
  const head = ['id', 'status', 'circuit', 'limits', 'url', 'event types', 'description', 'created'];
  return `${listTable(head, rows)}\n${subscriptions.length} subscription${subscriptions.length === 1 ? '' : 's'}`;
}

/** After create: the one response with every secret in clear. */
export const CREATED_NOTE = 'Shown only now: later responses mask the URL secret, Basic auth password, header values and signing secret.';

export function rotatedNote(secret: string): string {
  return (
    `New signing secret (shown only now): ${secret}\n` +
    'The previous secrets keep signing until the time shown, so the receiver can switch at its pace.'
  );
}
