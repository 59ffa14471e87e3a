// Deliveries: of one event, or of one subscription in a time window (UTC), with a status filter and
// pages of 50.
import { useState } from 'preact/hooks';
import { call, type Delivery } from '../api';
import { Badge, DataTable, ErrorBox, Field, useLoad, type Column } from '../components';
import { isoFromLocalInput, plural, when } from '../format';
import { href, navigate } from '../router';

const STATUSES = ['', 'pending', 'delivered', 'failed', 'paused'];
const PAGE = 50;

type Page = { deliveries: Delivery[]; cursor?: string };

const COLUMNS: ReadonlyArray<Column<Delivery>> = [
  { header: 'Delivery', cell: (d) => <a href={href(['deliveries', d.deliveryId])}>{d.deliveryId}</a> },
  { header: 'Type', cell: (d) => d.eventType },
  { header: 'Status', cell: (d) => <Badge value={d.status} /> },
  { header: 'Attempts', cell: (d) => d.attemptCount },
  {
    header: 'Last attempt',
    cell: (d) => (d.lastAttempt ? `${d.lastAttempt.outcome}${d.lastAttempt.statusCode ? ` ${d.lastAttempt.statusCode}` : ''}` : ''),
  },
  { header: 'Created', cell: (d) => when(d.createdAt), cellClass: 'nowrap' },
];

function queryOf(q: URLSearchParams): Record<string, string> {
  return Object.fromEntries(['event', 'subscription', 'from', 'to', 'status', 'cursor'].map((k) => [k, q.get(k) ?? '']));
}

async function load(q: Record<string, string>): Promise<Page | undefined> {
  if (q.event) {
    const page = await call<Page>('deliveries', {
      action: 'list',
      eventId: q.event,
      ...(q.subscription ? { subscriptionId: q.subscription } : {}),
    });
    return { deliveries: page.deliveries.filter((d) => !q.status || d.status === q.status) };
  }
  if (!q.subscription || !q.from || !q.to) return undefined;
  const payload: Record<string, unknown> = {
    action: 'list',
    subscriptionId: q.subscription,
    from: isoFromLocalInput(q.from),
    to: isoFromLocalInput(q.to),
    limit: PAGE,
  };
  if (q.status) payload.status = q.status;
  if (q.cursor) payload.cursor = q.cursor;
  return call<Page>('deliveries', payload);
}

export function DeliveriesPage(props: { query: URLSearchParams }) {
  const q = queryOf(props.query);
  const [form, setForm] = useState(q);
  const result = useLoad(() => load(q), JSON.stringify(q));
  const set = (key: string) => (e: { currentTarget: HTMLInputElement | HTMLSelectElement }) =>
    setForm({ ...form, [key]: e.currentTarget.value });
  const submit = (e: Event) => {
    e.preventDefault();
    navigate(href(['deliveries'], { ...form, cursor: undefined }));
  };
  return (
    <section aria-labelledby="del-title">
      <h1 id="del-title">Deliveries</h1>
      <form class="filters" onSubmit={submit} aria-label="Find deliveries">
        <Field label="Event id" id="d-event" hint="Every delivery of this event (with a subscription: only its delivery).">
          <input id="d-event" value={form.event} onInput={set('event')} aria-describedby="d-event-hint" />
        </Field>
        <Field label="Subscription id" id="d-sub">
          <input id="d-sub" value={form.subscription} onInput={set('subscription')} placeholder="sub_…" />
        </Field>
        <Field label="From (UTC)" id="d-from">
          <input id="d-from" type="datetime-local" value={form.from} onInput={set('from')} />
        </Field>
        <Field label="To (UTC)" id="d-to">
          <input id="d-to" type="datetime-local" value={form.to} onInput={set('to')} />
        </Field>
        <Field label="Status" id="d-status">
          <select id="d-status" value={form.status} onChange={set('status')}>
            {STATUSES.map((s) => (
              <option value={s}>{s || 'any'}</option>
            ))}
          </select>
        </Field>
        <div class="field">
          <button type="submit" class="primary">
            Find
          </button>
        </div>
      </form>
      <ErrorBox error={result.error} />
      {!result.data && !result.loading && !result.error ? (
        <p class="muted">Give an event id, or a subscription with a time window.</p>
      ) : null}
      {result.loading ? <p>Loading…</p> : null}
      {result.data ? <DeliveryList page={result.data} query={q} /> : null}
    </section>
  );
}

function DeliveryList(props: { page: Page; query: Record<string, string> }) {
  const { page, query } = props;
  return (
    <>
      <p class="muted" aria-live="polite">
        {plural(page.deliveries.length, 'delivery', 'deliveries')}
        {query.cursor ? ' (a later page)' : ''}
      </p>
      <DataTable label="Deliveries" columns={COLUMNS} rows={page.deliveries} />
      <nav class="pager" aria-label="Pages">
        {query.cursor ? <a href={href(['deliveries'], { ...query, cursor: undefined })}>First page</a> : null}
        {page.cursor ? <a href={href(['deliveries'], { ...query, cursor: page.cursor })}>Next page</a> : null}
      </nav>
    </>
  );
}
