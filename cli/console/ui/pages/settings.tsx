// A subscription's settings as a definition list, secrets exactly as the service shows them (masked).
// Fields this console does not know are listed too, as the service sent them.
import { KNOWN_FIELDS, type SubscriptionView } from '../api';
import { when } from '../format';
import { healthText } from './health';

export function Settings(props: { s: SubscriptionView }) {
  const { s } = props;
  const rows: Array<[string, string]> = [
    ['Id', s.id],
    ['URL', s.url],
    ['Status', s.disabledReason ? `${s.status} (${s.disabledReason})` : s.status],
    ['Health', healthText(s)],
    ['Event types', s.eventTypes ? s.eventTypes.join(', ') : 'all'],
    [
      'Headers',
      s.headers
        ? Object.entries(s.headers)
            .map(([k, v]) => `${k}: ${v}`)
            .join('\n')
        : 'none',
    ],
    ['Basic auth', s.basicAuth ? `${s.basicAuth.username} / ${s.basicAuth.password}` : 'none'],
    [
      'Signing secrets',
      (s.signingSecrets ?? [])
        .map((k) => `${k.secret} (created ${when(k.createdAt)}${k.expiresAt ? `, stops signing ${when(k.expiresAt)}` : ''})`)
        .join('\n'),
    ],
    ['Description', s.description ?? ''],
  ];
  if (s.circuit)
    rows.push([
      'Circuit',
      `${s.circuit.state}${s.circuit.since ? ` since ${when(s.circuit.since)}` : ''}` +
        (s.circuit.waiting !== undefined ? `; ${s.circuit.waiting} deliveries waiting` : ''),
    ]);
  for (const [key, value] of Object.entries(s)) {
    if (!KNOWN_FIELDS.has(key) && value !== undefined) rows.push([key, typeof value === 'string' ? value : JSON.stringify(value)]);
  }
  rows.push(['Created', when(s.createdAt)], ['Updated', when(s.updatedAt)]);
  return (
    <dl class="settings">
      {rows.map(([name, value]) => (
        <div>
          <dt>{name}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
