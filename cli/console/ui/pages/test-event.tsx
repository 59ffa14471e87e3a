// "Send a test event": one event to this subscription only, then its attempts as they happen.
import { useEffect, useState } from 'preact/hooks';
import { call, type Attempt, type Delivery } from '../api';
import { Badge, ErrorBox, Field, useAction } from '../components';
import { href } from '../router';
import { AttemptsTable } from './attempts';

interface Sent {
  eventId: string;
  eventType: string;
  deliveryId: string;
}

const WATCH_MS = 1000;
const WATCH_ROUNDS = 120;

/** Reads the delivery every second until it is no longer pending (or two minutes passed). */
function useWatch(deliveryId: string | undefined): { delivery?: Delivery; attempts: Attempt[]; error?: string } {
  const [state, setState] = useState<{ delivery?: Delivery; attempts: Attempt[]; error?: string }>({ attempts: [] });
  useEffect(() => {
    if (!deliveryId) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let rounds = 0;
    const tick = async () => {
      try {
        const shown = await call<{ delivery: Delivery; attempts: Attempt[] }>('deliveries', { action: 'show', deliveryId });
        setState(shown);
        if (shown.delivery.status === 'pending' && ++rounds < WATCH_ROUNDS) timer = setTimeout(tick, WATCH_MS);
      } catch (error) {
        setState((s) => ({ ...s, error: (error as Error).message }));
      }
    };
    void tick();
    return () => clearTimeout(timer);
  }, [deliveryId]);
  return state;
}

function parseSample(text: string): Record<string, unknown> | undefined {
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('Sample event: not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('Sample event: must be a JSON object');
  return value as Record<string, unknown>;
}

export function TestEvent(props: { id: string; active: boolean }) {
  const [sample, setSample] = useState('');
  const [sent, setSent] = useState<Sent>();
  const action = useAction();
  const watch = useWatch(sent?.deliveryId);
  const send = () =>
    action.run(async () => {
      const event = parseSample(sample);
      const answer = await call<{ test: Sent }>('subscriptions', { action: 'test', id: props.id, ...(event ? { event } : {}) });
      setSent(answer.test);
    });
  return (
    <section aria-labelledby="test-title" class="panel">
      <h2 id="test-title">Send a test event</h2>
      <p class="muted">
        To this subscription only, recorded in its attempt log. Without a sample it is a documented <code>webhook.test</code> event.
      </p>
      <Field label="Sample event (optional JSON; its id is replaced by a test id)" id="test-sample">
        <textarea
          id="test-sample"
          rows={3}
          value={sample}
          onInput={(e) => setSample(e.currentTarget.value)}
          placeholder='{"type": "donation", "amount": "10.00 EUR"}'
        />
      </Field>
      <button type="button" onClick={send} disabled={action.busy || !props.active}>
        {action.busy ? 'Sending…' : 'Send test event'}
      </button>
      {!props.active ? <span class="muted"> Enable the subscription first.</span> : null}
      <ErrorBox error={action.error ?? watch.error} />
      {sent ? (
        <div aria-live="polite" class="watch">
          <p>
            Test event <code>{sent.eventId}</code> ({sent.eventType}): delivery{' '}
            <a href={href(['deliveries', sent.deliveryId])}>{sent.deliveryId}</a>{' '}
            {watch.delivery ? <Badge value={watch.delivery.status} /> : null}
            {watch.delivery?.status === 'pending' ? <span class="muted"> watching…</span> : null}
          </p>
          <AttemptsTable attempts={watch.attempts} label="Attempts of the test event" />
        </div>
      ) : null}
    </section>
  );
}
