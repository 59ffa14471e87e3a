// Small parts every page uses: labelled fields, messages, status badges, tables that scroll on a
// narrow screen, and a hook for calls that load, fail or succeed.
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';

export function Field(props: { label: string; id: string; hint?: string; children: ComponentChildren }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint ? (
        <small id={`${props.id}-hint`} class="hint">
          {props.hint}
        </small>
      ) : null}
    </div>
  );
}

export function ErrorBox(props: { error?: string }) {
  return props.error ? (
    <p class="error" role="alert">
      {props.error}
    </p>
  ) : null;
}

export function Notice(props: { children: ComponentChildren }) {
  return (
    <div class="notice" role="status">
      {props.children}
    </div>
  );
}

export function Badge(props: { value: string; title?: string }) {
  return (
    <span class={`badge badge-${props.value.replace(/[^a-z_]/g, '')}`} title={props.title}>
      {props.value}
    </span>
  );
}

function TableBox(props: { label: string; children: ComponentChildren }) {
  // Focusable, so a keyboard user can scroll a wide table on a narrow screen.
  return (
    <div class="table-box" tabIndex={0} role="region" aria-label={props.label}>
      <table>{props.children}</table>
    </div>
  );
}

/** One column of a DataTable: its header, and what each row shows under it. */
export interface Column<T> {
  header: string;
  cell: (row: T) => ComponentChildren;
  /** On the body cells only (`nowrap` keeps a time on one line); the header cell has none. */
  cellClass?: string;
}

/** Every list page's table, so that their header cells, scopes and scrolling box cannot drift apart. */
export function DataTable<T>(props: { label: string; columns: ReadonlyArray<Column<T>>; rows: readonly T[] }) {
  return (
    <TableBox label={props.label}>
      <thead>
        <tr>
          {props.columns.map((column) => (
            <th scope="col">{column.header}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row) => (
          <tr>
            {props.columns.map((column) => (
              <td class={column.cellClass}>{column.cell(row)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </TableBox>
  );
}

export interface Loaded<T> {
  data?: T;
  error?: string;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` now and whenever `key` changes; `reload` runs it again. */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ error: (error as Error).message, loading: false }),
    );
    return () => {
      live = false;
    };
    // `load` is a new closure on every render; `key` says when it asks for something else.
  }, [key, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { ...state, reload };
}

/**
 * A button's action: busy while it runs, its error shown next to it. `run` returns nothing, as an
 * event handler does: every failure of the action is caught here and shown.
 */
export function useAction(): { busy: boolean; error?: string; run: (action: () => Promise<void>) => void; clear: () => void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    void action()
      .catch((e: unknown) => setError((e as Error).message))
      .finally(() => setBusy(false));
  };
  return { busy, error, run, clear: () => setError(undefined) };
}
