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
  if (mode === 'event')
    return { eventIds: ids(f.event ?? ''), ...(f.subscription ? { subscriptionId: f.subscription } : {}), dryRun: true };
  return {
    subscriptionId: f.subscription,
    from: isoFromLocalInput(f.from ?? ''),
    to: isoFromLocalInput(f.to ?? ''),
    ...(f.status ? { status: f.status } : {}),
    dryRun: true,
  };
}

function Summary(props: { result: ResendResult }) {
  const r = props.result;
  return (
    <>
      {r.skipped.length > 0 ? <p>Skipped (attempt in flight): {r.skipped.map((s) => s.deliveryId).join(', ')}</p> : null}
      {r.notFound.length > 0 ? <p class="warning">Not found: {r.notFound.join(', ')}</p> : null}
      {(r.notToSubscription ?? []).length > 0 ? (
        <p class="warning">No delivery to that subscription (the event exists): {r.notToSubscription!.join(', ')}</p>
      ) : null}
    </>
  );
}

const MODES = [
  ['delivery', 'Delivery ids'],
  ['event', 'Event ids'],
  ['window', 'Subscription and time window'],
] as const;

type Form = Record<string, string>;
type Setter = (key: string) => (e: { currentTarget: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement }) => void;

/** The dry run, then the resend of exactly what it counted, in chunks. */
function useResend() {
  const [counted, setCounted] = useState<ResendResult>();
  const [progress, setProgress] = useState<{ done: number; total: number }>();
  const [final, setFinal] = useState<ResendResult>();
  const action = useAction();
  const reset = () => (setCounted(undefined), setFinal(undefined));
  const count = (mode: Mode, form: Form) =>
    action.run(async () => (reset(), setCounted(await call<ResendResult>('resend', dryRunPayload(mode, form)))));
  const resend = () =>
    action.run(async () => {
      const all = counted!.deliveryIds;
      let resent = 0;
      const skipped: ResendResult['skipped'] = [...counted!.skipped];
      setProgress({ done: 0, total: all.length });
      for (let i = 0; i < all.length; i += CHUNK) {
        const part = await call<ResendResult>('resend', { deliveryIds: all.slice(i, i + CHUNK) });
        resent += part.resent;
        skipped.push(...part.skipped);
        setProgress({ done: Math.min(i + CHUNK, all.length), total: all.length });
      }
      setFinal({ ...counted!, dryRun: false, resent, skipped });
      setCounted(undefined);
    });
  return { counted, progress, final, action, reset, count, resend };
}

function SelectorFields(props: { mode: Mode; form: Form; set: Setter }) {
  const { mode, form, set } = props;
  return (
    <>
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
    </>
  );
}

/** The count, and the button that resends exactly it: behind a confirmation above CONFIRM_ABOVE. */
function DryRun(props: { counted: ResendResult; busy: boolean; onResend: () => void }) {
  const [confirmed, setConfirmed] = useState(false);
  const { counted } = props;
  const n = counted.deliveryIds.length;
  return (
    <div class="panel" aria-live="polite">
      <p>
        <strong>Dry run:</strong> would resend {n} of {plural(counted.matched, 'matched delivery', 'matched deliveries')}.
      </p>
      {n > 0 && n <= 20 ? <p class="small">{counted.deliveryIds.join(', ')}</p> : null}
      <Summary result={counted} />
      {n > CONFIRM_ABOVE ? (
        <label class="check">
          <input type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.currentTarget.checked)} /> Yes, resend{' '}
          {plural(n, 'delivery', 'deliveries')}
        </label>
      ) : null}
      {n > 0 ? (
        <button type="button" class="primary" disabled={props.busy || (n > CONFIRM_ABOVE && !confirmed)} onClick={props.onResend}>
          Resend {plural(n, 'delivery', 'deliveries')}
        </button>
      ) : null}
    </div>
  );
}

export function ResendPage(props: { query: URLSearchParams }) {
  const initial = Object.fromEntries(
    ['delivery', 'event', 'subscription', 'from', 'to', 'status'].map((k) => [k, props.query.get(k) ?? '']),
  );
  const [mode, setMode] = useState<Mode>(
    initial.delivery ? 'delivery' : initial.event ? 'event' : initial.subscription ? 'window' : 'delivery',
  );
  const [form, setForm] = useState<Form>(initial);
  const run = useResend();
  const set: Setter = (key) => (e) => (setForm({ ...form, [key]: e.currentTarget.value }), run.reset());
  return (
    <section aria-labelledby="resend-title">
      <h1 id="resend-title">Resend</h1>
      <p class="muted">Every delivery resent gets a fresh budget of attempts, starting now.</p>
      <fieldset class="modes">
        <legend>Select deliveries by</legend>
        {MODES.map(([value, label]) => (
          <label class="check">
            <input type="radio" name="mode" value={value} checked={mode === value} onChange={() => (setMode(value), run.reset())} /> {label}
          </label>
        ))}
      </fieldset>
      <div class="form">
        <SelectorFields mode={mode} form={form} set={set} />
        <button type="button" onClick={() => run.count(mode, form)} disabled={run.action.busy}>
          Count (dry run)
        </button>
      </div>
      <ErrorBox error={run.action.error} />
      {run.counted ? <DryRun counted={run.counted} busy={run.action.busy} onResend={run.resend} /> : null}
      {run.progress && run.action.busy ? (
        <p>
          <label for="r-progress">
            Resending: {run.progress.done} of {run.progress.total}
          </label>{' '}
          <progress id="r-progress" value={run.progress.done} max={run.progress.total} />
        </p>
      ) : null}
      {run.final ? (
        <Notice>
          <p>
            <strong>Resent {run.final.resent}</strong> of {plural(run.final.matched, 'matched delivery', 'matched deliveries')}.
          </p>
          <Summary result={run.final} />
        </Notice>
      ) : null}
    </section>
  );
}
