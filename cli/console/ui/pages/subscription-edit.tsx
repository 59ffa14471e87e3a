// Create a subscription, or edit one: only the fields changed are sent. Secrets are masked in what
// the service shows, so their fields start empty: left empty they stay as they are.
import { useState } from 'preact/hooks';
import { call, type SubscriptionView } from '../api';
import { ErrorBox, Field, Notice, useAction, useLoad } from '../components';
import { href } from '../router';
import { changedExtras, ExtraFields, extraFieldsOf, type ExtraValues } from './extra-fields';

type One = { subscription: SubscriptionView; warnings?: string[] };

interface Form {
  url: string;
  eventTypes: string;
  headers: string;
  clearHeaders: boolean;
  username: string;
  password: string;
  clearBasicAuth: boolean;
  description: string;
  signingSecret: string;
}

const EMPTY: Form = {
  url: '',
  eventTypes: '',
  headers: '',
  clearHeaders: false,
  username: '',
  password: '',
  clearBasicAuth: false,
  description: '',
  signingSecret: '',
};

function typesOf(text: string): string[] | null {
  const types = text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  return types.length > 0 ? types : null;
}

function headersOf(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`Headers: "${line.trim()}" is not "Name: value"`);
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function createPayload(f: Form): Record<string, unknown> {
  const payload: Record<string, unknown> = { action: 'create', url: f.url.trim() };
  const types = typesOf(f.eventTypes);
  if (types) payload.eventTypes = types;
  if (f.headers.trim()) payload.headers = headersOf(f.headers);
  if (f.username || f.password) payload.basicAuth = { username: f.username, password: f.password };
  if (f.description.trim()) payload.description = f.description.trim();
  if (f.signingSecret.trim()) payload.signingSecret = f.signingSecret.trim();
  return payload;
}

function updatePayload(s: SubscriptionView, f: Form, extras: ExtraValues): Record<string, unknown> {
  const payload: Record<string, unknown> = { action: 'update', id: s.id };
  if (f.url.trim()) payload.url = f.url.trim();
  const types = typesOf(f.eventTypes);
  if (JSON.stringify(types) !== JSON.stringify(s.eventTypes ?? null)) payload.eventTypes = types;
  if (f.clearHeaders) payload.headers = null;
  else if (f.headers.trim()) payload.headers = headersOf(f.headers);
  if (f.clearBasicAuth) payload.basicAuth = null;
  else if (f.username || f.password) payload.basicAuth = { username: f.username, password: f.password };
  if (f.description.trim() !== (s.description ?? '')) payload.description = f.description.trim() === '' ? null : f.description.trim();
  return { ...payload, ...changedExtras(s, extras) };
}

function Saved(props: { done: One; editing: boolean }) {
  const s = props.done.subscription;
  return (
    <section aria-labelledby="saved-title">
      <h1 id="saved-title">{props.editing ? 'Subscription saved' : 'Subscription created'}</h1>
      {(props.done.warnings ?? []).map((w) => (
        <p class="warning" role="alert">
          Warning: {w}
        </p>
      ))}
      {!props.editing ? (
        <Notice>
          <p>
            <strong>Shown only now</strong>: the signing secret <code class="secret">{s.signingSecrets?.[0]?.secret}</code> and the URL{' '}
            <code>{s.url}</code>. Later views mask them.
          </p>
        </Notice>
      ) : null}
      <p>
        <a class="button primary" href={href(['subscriptions', s.id])}>
          Open subscription {s.id}
        </a>
      </p>
    </section>
  );
}

type Setter = (key: keyof Form) => (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => void;

/** The target: URL, event types, static headers. */
function TargetFields(props: { form: Form; set: Setter; current?: SubscriptionView }) {
  const { form, set, current } = props;
  return (
    <>
      <Field
        label={current ? 'URL (empty: keep it)' : 'URL'}
        id="f-url"
        hint={current ? `Now: ${current.url}` : 'https://…; a secret may sit in the query or path, Basic auth as user:pass@'}
      >
        <input
          id="f-url"
          type="url"
          required={!current}
          value={form.url}
          onInput={set('url')}
          aria-describedby="f-url-hint"
          autoComplete="off"
        />
      </Field>
      <Field label="Event types (comma-separated; empty: every event)" id="f-types" hint="e.g. donation, contact_update">
        <input id="f-types" value={form.eventTypes} onInput={set('eventTypes')} aria-describedby="f-types-hint" />
      </Field>
      <Field label={current ? 'Headers, one "Name: value" a line (empty: keep them)' : 'Headers, one "Name: value" a line'} id="f-headers">
        <textarea id="f-headers" rows={2} value={form.headers} onInput={set('headers')} />
      </Field>
      {current?.headers ? (
        <label class="check">
          <input type="checkbox" checked={form.clearHeaders} onChange={set('clearHeaders')} /> Send no static headers
        </label>
      ) : null}
    </>
  );
}

/** Credentials and the rest: Basic auth, description, a signing secret of one's own (at creation). */
function OtherFields(props: { form: Form; set: Setter; current?: SubscriptionView }) {
  const { form, set, current } = props;
  return (
    <>
      <fieldset>
        <legend>Basic auth {current ? '(empty: keep it)' : '(optional)'}</legend>
        <Field label="User name" id="f-user">
          <input id="f-user" value={form.username} onInput={set('username')} autoComplete="off" />
        </Field>
        <Field label="Password" id="f-pass">
          <input id="f-pass" type="password" value={form.password} onInput={set('password')} autoComplete="new-password" />
        </Field>
        {current?.basicAuth ? (
          <label class="check">
            <input type="checkbox" checked={form.clearBasicAuth} onChange={set('clearBasicAuth')} /> Send no Basic auth
          </label>
        ) : null}
      </fieldset>
      <Field label="Description" id="f-desc">
        <input id="f-desc" value={form.description} onInput={set('description')} />
      </Field>
      {!current ? (
        <Field label="Signing secret (optional; default: a new random one)" id="f-secret">
          <input id="f-secret" value={form.signingSecret} onInput={set('signingSecret')} autoComplete="off" placeholder="whsec_…" />
        </Field>
      ) : null}
    </>
  );
}

/** A new form's values: the subscription's own where it has them (secrets stay empty: masked). */
function initialForm(current?: SubscriptionView): Form {
  return current ? { ...EMPTY, eventTypes: (current.eventTypes ?? []).join(', '), description: current.description ?? '' } : EMPTY;
}

/**
 * The form, its values taken from `current` as it mounts: it appears only with them, so nothing
 * typed into it is overwritten by values arriving a moment later.
 */
function EditForm(props: { current?: SubscriptionView; onDone: (done: One) => void }) {
  const { current } = props;
  const [form, setForm] = useState<Form>(() => initialForm(current));
  const [extras, setExtras] = useState<ExtraValues>(() => (current ? extraFieldsOf(current) : {}));
  const action = useAction();
  const set: Setter = (key) => (e) =>
    setForm({
      ...form,
      [key]: e.currentTarget.type === 'checkbox' ? (e.currentTarget as HTMLInputElement).checked : e.currentTarget.value,
    });
  const submit = (e: Event) => {
    e.preventDefault();
    action.run(async () => {
      const payload = current ? updatePayload(current, form, extras) : createPayload(form);
      if (current && Object.keys(payload).length === 2) throw new Error('Nothing changed.');
      props.onDone(await call<One>('subscriptions', payload));
    });
  };
  return (
    <form onSubmit={submit} class="form">
      <TargetFields form={form} set={set} current={current} />
      <OtherFields form={form} set={set} current={current} />
      {current ? <ExtraFields original={current} values={extras} onChange={setExtras} /> : null}
      <ErrorBox error={action.error} />
      <button type="submit" class="primary" disabled={action.busy}>
        {action.busy ? 'Saving…' : current ? 'Save changes' : 'Create subscription'}
      </button>
    </form>
  );
}

export function SubscriptionEditPage(props: { id?: string }) {
  const editing = props.id !== undefined;
  const loaded = useLoad(
    () => (props.id ? call<One>('subscriptions', { action: 'get', id: props.id }) : Promise.resolve(undefined)),
    props.id ?? 'new',
  );
  const current = loaded.data?.subscription;
  const [done, setDone] = useState<One>();
  if (done) return <Saved done={done} editing={editing} />;
  return (
    <section aria-labelledby="edit-title">
      <p>
        <a href={props.id ? href(['subscriptions', props.id]) : '#/subscriptions'}>← Back</a>
      </p>
      <h1 id="edit-title">{editing ? `Edit ${props.id}` : 'New subscription'}</h1>
      <ErrorBox error={loaded.error} />
      {editing && !current ? null : <EditForm key={current?.id ?? 'new'} current={current} onDone={setDone} />}
    </section>
  );
}
