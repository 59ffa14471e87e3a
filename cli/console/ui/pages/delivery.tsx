// One delivery and its attempt log; resend it from here.
import { call, type Attempt, type Delivery } from '../api';
import { Badge, ErrorBox, useLoad } from '../components';
import { when } from '../format';
import { href } from '../router';
import { AttemptsTable } from './attempts';

export function DeliveryPage(props: { id: string }) {
  const shown = useLoad(
    () => call<{ delivery: Delivery; attempts: Attempt[] }>('deliveries', { action: 'show', deliveryId: props.id }),
    props.id,
  );
  const d = shown.data?.delivery;
  return (
    <section aria-labelledby="delivery-title">
      <h1 id="delivery-title">Delivery {props.id}</h1>
      <ErrorBox error={shown.error} />
      {d ? (
        <>
          <DeliveryFacts d={d} />
          <div class="actions">
            <a class="button" href={href(['resend'], { delivery: d.deliveryId })}>
              Resend…
            </a>
            <button type="button" onClick={() => shown.reload()}>
              Refresh
            </button>
          </div>
          <h2>Attempt log</h2>
          <AttemptsTable attempts={shown.data?.attempts ?? []} />
        </>
      ) : null}
    </section>
  );
}

/** Where the delivery stands: status, event, subscription, attempts, next attempt, creation. */
function DeliveryFacts({ d }: { d: Delivery }) {
  return (
    <dl class="settings">
      <div>
        <dt>Status</dt>
        <dd>
          <Badge value={d.status} /> {d.statusReason ?? ''}
        </dd>
      </div>
      <div>
        <dt>Event</dt>
        <dd>
          <a href={href(['deliveries'], { event: d.eventId })}>{d.eventId}</a> ({d.eventType})
        </dd>
      </div>
      <div>
        <dt>Subscription</dt>
        <dd>
          <a href={href(['subscriptions', d.subscriptionId])}>{d.subscriptionId}</a>
        </dd>
      </div>
      <div>
        <dt>Attempts</dt>
        <dd>
          {d.attemptCount} (this budget from attempt {d.budgetStart + 1})
        </dd>
      </div>
      {d.nextAttemptAt ? (
        <div>
          <dt>Next attempt</dt>
          <dd>{when(d.nextAttemptAt)}</dd>
        </div>
      ) : null}
      <div>
        <dt>Created</dt>
        <dd>{when(d.createdAt)}</dd>
      </div>
    </dl>
  );
}
