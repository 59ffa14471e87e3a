// A subscription's health as one cell or a few lines: its status, why it is disabled, since when it
// fails, and its circuit where the service reports one.
import type { SubscriptionView } from '../api';
import { Badge } from '../components';
import { when } from '../format';

export function healthText(s: SubscriptionView): string {
  const parts: string[] = [];
  if (s.circuit)
    parts.push(
      `circuit ${s.circuit.state}${s.circuit.since ? ` since ${when(s.circuit.since)}` : ''}` +
        (s.circuit.waiting !== undefined ? `, ${s.circuit.waiting} waiting` : ''),
    );
  if (s.failingSince) parts.push(`failing since ${when(s.failingSince)}`);
  return parts.length > 0 ? parts.join('; ') : 'healthy';
}

export function StatusCell(props: { s: SubscriptionView }) {
  const { s } = props;
  return (
    <>
      <Badge value={s.status} />
      {s.disabledReason ? <span class="muted"> ({s.disabledReason})</span> : null}
    </>
  );
}

export function HealthCell(props: { s: SubscriptionView }) {
  const { s } = props;
  return (
    <>
      {s.circuit ? <Badge value={s.circuit.state} title="circuit" /> : null}
      <span class={s.failingSince || (s.circuit && s.circuit.state !== 'closed') ? 'warn' : 'muted'}> {healthText(s)}</span>
    </>
  );
}
