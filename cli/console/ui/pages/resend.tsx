// Resend: a selector, the dry-run count first, a confirmation above 10 deliveries, then the counted
// deliveries resent in chunks with a progress bar. Resending exactly what was counted means the
// confirmation covers what happens (as the CLI does).
import { useState } from 'preact/hooks';
import { call, type ResendResult } from '../api';
import { ErrorBox, Field, Notice, useAction } from '../components';
import { isoFromLocalInput, plural } from '../format';

const CONFIRM_ABOVE = 10;
const CHUNK = 100;
type Mode = 'delivery' | 'event' | 'window';

function ids(text: string): string[] {
  return text.split(/[\s,]+/).filter((t) => t !== '');
}

function dryRunPayload(mode: Mode, f: Record<string, string>): Record<string, unknown> {
  if (mode === 'delivery') return { deliveryIds: ids(f.delivery ?? ''), dryRun: true };
  if (mode === 'event') return { eventIds: ids(f.event ?? ''), ...(f.subscription ? { subscriptionId: f.subscription } : {}), dryRun: true };
  return { subscriptionId: f.subscription, from: isoFromLocalInput(f.from ?? ''), to: isoFromLocalInput(f.to ?? ''), ...(f.status ? { status: f.status } : {}), dryRun: true };
}

function Summary(props: { result: ResendResult }) {
  const r = props.result;
  return (
    <>
      {r.skipped.length > 0 ? <p>Skipped (attempt in flight): {r.skipped.map((s) => s.deliveryId).join(', ')}</p> : null}
      {r.notFound.length > 0 ? <p class="warning">Not found: {r.notFound.join(', ')}</p> : null}
      {(r.notToSubscription ?? []).length > 0 ? <p class="warning">No delivery to that subscription (the event exists): {r.notToSubscription!.join(', ')}</p> : null}
    </>
  );
}

export function ResendPage(props: { query: URLSearchParams }) {
  const initial = Object.fromEntries(['delivery', 'event', 'subscription', 'from', 'to', 'status'].map((k) => [k, props.query.get(k) ?? '']));
  const [mode, setMode] = useState<Mode>(initial.delivery ? 'delivery' : initial.event ? 'event' : initial.subscription ? 'window' : 'delivery');
  const [form, setForm] = useState(initial);
  const [counted, setCounted] = useState<ResendResult>();
  const [confirmed, setConfirmed] = useState(false);
  const [progress, setProgress] = useState<{ done: number; total: number }>();
  const [final, setFinal] = useState<ResendResult>();
  const action = useAction();
  const set = (key: string) => (e: { currentTarget: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement }) => {
    setForm({ ...form, [key]: e.currentTarget.value });
    setCounted(undefined);
    setFinal(undefined);
  };
  const count = () =>
    action.run(async () => {
      setFinal(undefined);
      setConfirmed(false);
      setCounted(await call<ResendResult>('resend', dryRunPayload(mode, form)));
    });
  const resend = () =>
    action.run(async () => {
      const all = counted!.deliveryIds;
      let resent = 0;
      const skipped: ResendResult['skipped'] = [];
      setProgress({ done: 0, total: all.length });
      for (let i = 0; i < all.length; i += CHUNK) {
        const part = await call<ResendResult>('resend', { deliveryIds: all.slice(i, i + CHUNK) });
        resent += part.resent;
        skipped.push(...part.skipped);
        setProgress({ done: Math.min(i + CHUNK, all.length), total: all.length });
      }
      setFinal({ ...counted!, dryRun: false, resent, skipped: [...counted!.skipped, ...skipped] });
      setCounted(undefined);
    });
  const n = counted?.deliveryIds.length ?? 0;
  return (
    <section aria-labelledby="resend-title">
      <h1 id="resend-title">Resend</h1>
      <p class="muted">Every delivery resent gets a fresh budget of attempts, starting now.</p>
      <fieldset class="modes">
        <legend>Select deliveries by</legend>
        {(
          [
            ['delivery', 'Delivery ids'],
            ['event', 'Event ids'],
            ['window', 'Subscription and time window'],
          ] as const
        ).map(([value, label]) => (
          <label class="check">
            <input type="radio" name="mode" value={value} checked={mode === value} onChange={() => (setMode(value), setCounted(undefined))} /> {label}
          </label>
        ))}
      </fieldset>
      <div class="form">
        {mode === 'delivery' ? (
          <Field label="Delivery ids (space or comma separated)" id="r-delivery">
            <textarea id="r-delivery" rows={2} value={form.delivery} onInput={set('delivery')} />
          </Field>
        ) : null}
        {mode === 'event' ? (
          <Field label="Event ids (space or comma separated)" id="r-event">
            <input id="r-event" value={form.event} onInput={set('event')} />
          </Field>
        ) : null}
        {mode !== 'delivery' ? (
          <Field label={mode === 'event' ? 'Only to subscription (optional)' : 'Subscription id'} id="r-sub">
            <input id="r-sub" value={form.subscription} onInput={set('subscription')} placeholder="sub_…" />
          </Field>
        ) : null}
        {mode === 'window' ? (
          <>
            <Field label="From (UTC)" id="r-from">
              <input id="r-from" type="datetime-local" value={form.from} onInput={set('from')} />
            </Field>
            <Field label="To (UTC)" id="r-to">
              <input id="r-to" type="datetime-local" value={form.to} onInput={set('to')} />
            </Field>
            <Field label="Only status" id="r-status">
              <select id="r-status" value={form.status} onChange={set('status')}>
                {['', 'pending', 'delivered', 'failed', 'paused'].map((s) => (
                  <option value={s}>{s || 'any'}</option>
                ))}
              </select>
            </Field>
          </>
        ) : null}
        <button type="button" onClick={count} disabled={action.busy}>
          Count (dry run)
        </button>
      </div>
      <ErrorBox error={action.error} />
      {counted ? (
        <div class="panel" aria-live="polite">
          <p>
            <strong>Dry run:</strong> would resend {n} of {plural(counted.matched, 'matched delivery', 'matched deliveries')}.
          </p>
          {n > 0 && n <= 20 ? <p class="small">{counted.deliveryIds.join(', ')}</p> : null}
          <Summary result={counted} />
          {n > CONFIRM_ABOVE ? (
            <label class="check">
              <input type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.currentTarget.checked)} /> Yes, resend {plural(n, 'delivery', 'deliveries')}
            </label>
          ) : null}
          {n > 0 ? (
            <button type="button" class="primary" disabled={action.busy || (n > CONFIRM_ABOVE && !confirmed)} onClick={resend}>
              Resend {plural(n, 'delivery', 'deliveries')}
            </button>
          ) : null}
        </div>
      ) : null}
      {progress && action.busy ? (
        <p>
          <label for="r-progress">Resending: {progress.done} of {progress.total}</label>{' '}
          <progress id="r-progress" value={progress.done} max={progress.total} />
        </p>
      ) : null}
      {final ? (
        <Notice>
          <p>
            <strong>Resent {final.resent}</strong> of {plural(final.matched, 'matched delivery', 'matched deliveries')}.
          </p>
          <Summary result={final} />
        </Notice>
      ) : null}
    </section>
  );
}
