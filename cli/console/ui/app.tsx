// The frame: where the console talks to, the navigation, and the page the address names.
import { useLayoutEffect, useRef } from 'preact/hooks';
import { useLoad } from './components';
import { info } from './api';
import { DeadLettersPage } from './pages/dead-letters';
import { DeliveriesPage } from './pages/deliveries';
import { DeliveryPage } from './pages/delivery';
import { ResendPage } from './pages/resend';
import { SubscriptionPage } from './pages/subscription';
import { SubscriptionEditPage } from './pages/subscription-edit';
import { SubscriptionsPage } from './pages/subscriptions';
import { useRoute, type Route } from './router';

const NAV = [
  ['subscriptions', 'Subscriptions'],
  ['deliveries', 'Deliveries'],
  ['resend', 'Resend'],
  ['dead-letters', 'Dead letters'],
] as const;

function page(route: Route) {
  const [section = 'subscriptions', id, sub] = route.parts;
  if (section === 'subscriptions' && id === 'new') return <SubscriptionEditPage />;
  if (section === 'subscriptions' && id && sub === 'edit') return <SubscriptionEditPage id={id} />;
  if (section === 'subscriptions' && id) return <SubscriptionPage id={id} />;
  if (section === 'subscriptions') return <SubscriptionsPage query={route.query} />;
  if (section === 'deliveries' && id) return <DeliveryPage id={id} />;
  if (section === 'deliveries') return <DeliveriesPage query={route.query} />;
  if (section === 'resend') return <ResendPage query={route.query} />;
  if (section === 'dead-letters') return <DeadLettersPage query={route.query} />;
  return <p>No such page. Pick one above.</p>;
}

export function App() {
  const route = useRoute();
  const where = useLoad(info, 'info');
  const main = useRef<HTMLElement>(null);
  const section = route.parts[0] ?? 'subscriptions';
  // A new page takes the focus, so a screen reader or keyboard user starts reading it at its top (not
  // on the first load, where the browser's own start of the page is right). Before the page is
  // painted: moved later, a Tab pressed as soon as the page shows would go from the old focus and
  // the page would then take the focus back.
  const first = useRef(true);
  useLayoutEffect(() => {
    if (first.current) first.current = false;
    else main.current?.focus();
  }, [location.hash]);
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), main.current?.focus())}>
        Skip to content
      </a>
      <header>
        <div class="brand">
          <strong>crm-webhooks</strong> support console
          {where.data ? <span class="where"> · {where.data.where}</span> : null}
        </div>
        <nav aria-label="Sections">
          {NAV.map(([key, label]) => (
            <a href={`#/${key}`} aria-current={section === key ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {page(route)}
      </main>
    </>
  );
}
