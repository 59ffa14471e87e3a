// An attempt log as a table: number, trigger, time, duration, outcome, status, error, response excerpt.
import type { Attempt } from '../api';
import { Badge, DataTable, type Column } from '../components';
import { duration, when } from '../format';

const COLUMNS: ReadonlyArray<Column<Attempt>> = [
  { header: '#', cell: (a) => a.number },
  { header: 'Trigger', cell: (a) => a.trigger },
  { header: 'Started', cell: (a) => when(a.startedAt), cellClass: 'nowrap' },
  { header: 'Duration', cell: (a) => duration(a.durationMs), cellClass: 'nowrap' },
  { header: 'Outcome', cell: (a) => <Badge value={a.outcome} /> },
  { header: 'Status', cell: (a) => a.statusCode ?? '' },
  { header: 'Error', cell: (a) => a.error ?? '' },
  { header: 'Response', cell: (a) => responseExcerpt(a.responseBody) },
];

function responseExcerpt(body: string | undefined) {
  return body ? (
    <details>
      <summary>{body.length} chars</summary>
      <pre>{body}</pre>
    </details>
  ) : (
    ''
  );
}

export function AttemptsTable(props: { attempts: Attempt[]; label?: string }) {
  if (props.attempts.length === 0) return <p class="muted">No attempt yet.</p>;
  return <DataTable label={props.label ?? 'Attempt log'} columns={COLUMNS} rows={props.attempts} />;
}
