// Dead letters: what the events and deliveries dead-letter queues hold and why, one message's body,
// and redrive (back to its work queue) or purge, by selection. Purging asks first.
import { useState } from 'preact/hooks';
import { call, type DeadLetterSummary } from '../api';
import { DataTable, ErrorBox, Field, Notice, useAction, useLoad, type Column } from '../components';
import { plural, when } from '../format';
import { href, navigate } from '../router';

type Summary = DeadLetterSummary;
type Listed = { queue: string; depth: number; messages: Summary[] };
type Shown = { queue: string; message: Summary & { body: string } };
type Changed = { redriven?: string[]; purged?: string[]; notFound: string[]; remaining: number };

const QUEUES = ['events', 'deliveries'];

type Picking = { selected: string[]; toggle(id: string): void; show(id: string): void };

/** Made on each render, not once: the first two columns act on the page's selection and shown message. */
function parkedColumns(p: Picking): ReadonlyArray<Column<Summary>> {
  return [
    {
      header: 'Select',
      cell: (m) => (
        <input
          type="checkbox"
          aria-label={`Select ${m.messageId}`}
          checked={p.selected.includes(m.messageId)}
          onChange={() => p.toggle(m.messageId)}
        />
      ),
    },
    {
      header: 'Message',
      cell: (m) => (
        <button type="button" class="link" onClick={() => p.show(m.messageId)}>
          {m.messageId}
        </button>
      ),
    },
    { header: 'Time', cell: (m) => when(m.rejectedAt ?? m.sentAt), cellClass: 'nowrap' },
    { header: 'Reason', cell: (m) => m.reason },
    { header: 'Receives', cell: (m) => m.receiveCount },
    { header: 'First bytes', cell: (m) => <code class="small">{m.excerpt}</code> },
  ];
}

/** Redrive or purge the selected messages; purging asks once more. */
function Changes(props: { count: number; busy: boolean; change: (kind: 'redrive' | 'purge') => void; refresh: () => void }) {
  const [purging, setPurging] = useState(false);
  const none = props.count === 0 || props.busy;
  return (
    <div class="actions">
      <button type="button" class="primary" disabled={none} onClick={() => props.change('redrive')}>
        Redrive {plural(props.count, 'message')}
      </button>
      {!purging ? (
        <button type="button" class="danger" disabled={none} onClick={() => setPurging(true)}>
          Purge…
        </button>
      ) : (
        <span role="group" aria-label="Confirm purge">
          <button type="button" class="danger" disabled={none} onClick={() => (setPurging(false), props.change('purge'))}>
            Delete {plural(props.count, 'message')} for good
          </button>{' '}
          <button type="button" onClick={() => setPurging(false)}>
            Cancel
          </button>
        </span>
      )}
      <button type="button" onClick={props.refresh}>
        Refresh
      </button>
    </div>
  );
}

export function DeadLettersPage(props: { query: URLSearchParams }) {
  const queue = props.query.get('queue') ?? 'events';
  const [round, setRound] = useState(0);
  const listed = useLoad(() => call<Listed>('dead-letters', { action: 'list', queue, limit: 100 }), `${queue} ${round}`);
  const [selected, setSelected] = useState<string[]>([]);
  const [body, setBody] = useState<Shown['message']>();
  const [outcome, setOutcome] = useState<string>();
  const action = useAction();
  const toggle = (id: string) => setSelected(selected.includes(id) ? selected.filter((s) => s !== id) : [...selected, id]);
  const change = (kind: 'redrive' | 'purge') =>
    action.run(async () => {
      const result = await call<Changed>('dead-letters', { action: kind, queue, messageIds: selected });
      const done = (kind === 'redrive' ? result.redriven : result.purged) ?? [];
      const gone = result.notFound.length ? `; gone already: ${result.notFound.join(', ')}` : '';
      setOutcome(`${kind === 'redrive' ? 'Redriven' : 'Purged'}: ${plural(done.length, 'message')}${gone}; ${result.remaining} left.`);
      setSelected([]);
      setRound((r) => r + 1);
    });
  const show = (id: string) =>
    action.run(async () => setBody((await call<Shown>('dead-letters', { action: 'show', queue, messageId: id })).message));
  const pick = (q: string) => (setSelected([]), setBody(undefined), navigate(href(['dead-letters'], { queue: q })));
  return (
    <section aria-labelledby="dl-title">
      <h1 id="dl-title">Dead letters</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <Field label="Queue" id="dl-queue">
          <select id="dl-queue" value={queue} onChange={(e) => pick(e.currentTarget.value)}>
            {QUEUES.map((q) => (
              <option value={q}>{q} dead-letter queue</option>
            ))}
          </select>
        </Field>
      </form>
      <ErrorBox error={listed.error ?? action.error} />
      {outcome ? <Notice>{outcome}</Notice> : null}
      {listed.data ? (
        <>
          <p class="muted" aria-live="polite">
            {plural(listed.data.depth, 'message')} in the {queue} dead-letter queue
          </p>
          {listed.data.messages.length > 0 ? (
            <DataTable label="Parked messages" columns={parkedColumns({ selected, toggle, show })} rows={listed.data.messages} />
          ) : null}
          <Changes count={selected.length} busy={action.busy} change={change} refresh={() => setRound((r) => r + 1)} />
        </>
      ) : null}
      {body ? (
        <div class="panel">
          <h2>Message {body.messageId}</h2>
          <p>{body.reason}</p>
          <pre>{body.body}</pre>
        </div>
      ) : null}
    </section>
  );
}
