// Subscriptions: status filter, search by URL host or description, health at a glance.
import { call, type SubscriptionView } from '../api';
import { DataTable, ErrorBox, Field, useLoad, type Column } from '../components';
import { plural, when } from '../format';
import { href, navigate } from '../router';
import { HealthCell, StatusCell } from './health';

const STATUSES = [
  ['', 'active and disabled'],
  ['active', 'active'],
  ['disabled', 'disabled'],
  ['deleted', 'deleted'],
] as const;

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function matches(s: SubscriptionView, search: string): boolean {
  if (search === '') return true;
  const needle = search.toLowerCase();
  return hostOf(s.url).toLowerCase().includes(needle) || (s.description ?? '').toLowerCase().includes(needle) || s.id.includes(needle);
}

const COLUMNS: ReadonlyArray<Column<SubscriptionView>> = [
  {
    header: 'Subscription',
    cell: (s) => (
      <>
        <a href={href(['subscriptions', s.id])}>{hostOf(s.url)}</a>
        <div class="muted small">{s.description ?? s.id}</div>
      </>
    ),
  },
  { header: 'Status', cell: (s) => <StatusCell s={s} /> },
  { header: 'Health', cell: (s) => <HealthCell s={s} /> },
  { header: 'Event types', cell: (s) => (s.eventTypes ? s.eventTypes.join(', ') : 'all') },
  { header: 'Created', cell: (s) => when(s.createdAt), cellClass: 'nowrap' },
];

export function SubscriptionsPage(props: { query: URLSearchParams }) {
  const status = props.query.get('status') ?? '';
  const search = props.query.get('q') ?? '';
  const list = useLoad(
    () => call<{ subscriptions: SubscriptionView[] }>('subscriptions', status ? { action: 'list', status } : { action: 'list' }),
    `list ${status}`,
  );
  const shown = (list.data?.subscriptions ?? []).filter((s) => matches(s, search));
  const go = (next: { status?: string; q?: string }) => navigate(href(['subscriptions'], { status, q: search, ...next }));
  return (
    <section aria-labelledby="subs-title">
      <div class="title-row">
        <h1 id="subs-title">Subscriptions</h1>
        <a class="button primary" href="#/subscriptions/new">
          New subscription
        </a>
      </div>
      <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <Field label="Status" id="status-filter">
          <select id="status-filter" value={status} onChange={(e) => go({ status: e.currentTarget.value })}>
            {STATUSES.map(([value, label]) => (
              <option value={value}>{label}</option>
            ))}
          </select>
        </Field>
        <Field label="Search URL host or description" id="search">
          <input id="search" type="search" value={search} placeholder="example.com" onInput={(e) => go({ q: e.currentTarget.value })} />
        </Field>
      </form>
      <ErrorBox error={list.error} />
      {list.loading && !list.data ? <p>Loading…</p> : null}
      {list.data ? (
        <>
          <p class="muted" aria-live="polite">
            {plural(shown.length, 'subscription')}
            {search ? ` matching “${search}”` : ''}
          </p>
          {shown.length === 0 ? null : <DataTable label="Subscriptions" columns={COLUMNS} rows={shown} />}
        </>
      ) : null}
    </section>
  );
}
