// One subscription: its settings (secrets masked), health, and what support does with it: edit,
// disable or enable, rotate the signing secret, delete, send a test event, see its deliveries.
import { useState } from 'preact/hooks';
import { call, type SubscriptionView } from '../api';
import { ErrorBox, Field, Notice, useAction, useLoad } from '../components';
import { localInputFromIso } from '../format';
import { href, navigate } from '../router';
import { Settings } from './settings';
import { TestEvent } from './test-event';

type One = { subscription: SubscriptionView; signingSecret?: string };

function DeleteBox(props: { id: string; onDone(): void }) {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const action = useAction();
  if (!open) {
    return (
      <button type="button" class="danger" onClick={() => setOpen(true)}>
        Delete…
      </button>
    );
  }
  return (
    <div class="panel danger-zone" role="group" aria-labelledby="delete-title">
      <h3 id="delete-title">Delete this subscription?</h3>
      <p>Its pending deliveries end failed; a tombstone stays until retention expires. This cannot be undone.</p>
      <Field label={`Type ${props.id} to confirm`} id="delete-confirm">
        <input id="delete-confirm" value={typed} onInput={(e) => setTyped(e.currentTarget.value)} autoComplete="off" />
      </Field>
      <button
        type="button"
        class="danger"
        disabled={typed !== props.id || action.busy}
        onClick={() => action.run(async () => (await call('subscriptions', { action: 'delete', id: props.id }), props.onDone()))}
      >
        Delete subscription
      </button>{' '}
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
      <ErrorBox error={action.error} />
    </div>
  );
}

/** Edit, disable or enable, rotate, see its deliveries, delete; `onRotated` gets the new secret. */
function Actions(props: { s: SubscriptionView; reload: () => void; onRotated: (secret?: string) => void }) {
  const { s } = props;
  const action = useAction();
  const act = (name: 'disable' | 'enable') =>
    action.run(async () => (await call('subscriptions', { action: name, id: s.id }), props.reload()));
  const rotate = () =>
    action.run(async () => {
      props.onRotated((await call<One>('subscriptions', { action: 'rotate-secret', id: s.id })).signingSecret);
      props.reload();
    });
  const now = Date.now();
  const window = { subscription: s.id, from: localInputFromIso(new Date(now - 86_400_000)), to: localInputFromIso(new Date(now + 60_000)) };
  const live = s.status !== 'deleted';
  return (
    <>
      <div class="actions" role="group" aria-label="Actions">
        {live ? (
          <a class="button" href={href(['subscriptions', s.id, 'edit'])}>
            Edit
          </a>
        ) : null}
        {live ? (
          <button type="button" onClick={() => act(s.status === 'active' ? 'disable' : 'enable')} disabled={action.busy}>
            {s.status === 'active' ? 'Disable' : 'Enable'}
          </button>
        ) : null}
        {live ? (
          <button type="button" onClick={rotate} disabled={action.busy}>
            Rotate signing secret
          </button>
        ) : null}
        <a class="button" href={href(['deliveries'], window)}>
          Deliveries of the last 24 h
        </a>
        {live ? <DeleteBox id={s.id} onDone={() => navigate('#/subscriptions')} /> : null}
      </div>
      <ErrorBox error={action.error} />
    </>
  );
}

export function SubscriptionPage(props: { id: string }) {
  const loaded = useLoad(() => call<One>('subscriptions', { action: 'get', id: props.id }), props.id);
  const [secret, setSecret] = useState<string>();
  const s = loaded.data?.subscription;
  return (
    <section aria-labelledby="sub-title">
      <p>
        <a href="#/subscriptions">← Subscriptions</a>
      </p>
      <h1 id="sub-title">Subscription {props.id}</h1>
      <ErrorBox error={loaded.error} />
      {s ? (
        <>
          <Settings s={s} />
          <Actions s={s} reload={loaded.reload} onRotated={setSecret} />
          {secret ? (
            <Notice>
              <p>
                New signing secret, <strong>shown only now</strong>: <code class="secret">{secret}</code>
              </p>
              <p class="muted">The previous secrets keep signing for the grace period, so the receiver can switch at its pace.</p>
            </Notice>
          ) : null}
          {s.status !== 'deleted' ? <TestEvent id={s.id} active={s.status === 'active'} /> : null}
        </>
      ) : null}
    </section>
  );
}
