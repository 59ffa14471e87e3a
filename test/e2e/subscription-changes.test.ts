// Subscription changes take effect at once, with the caches on (a minute here): a subscription created
// just before an event gets it, and a URL change or a disable applies to the next attempt. Ingest and
// the sender check the subscriptions' version once per batch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../support/receiver';
import { startE2eRuntime, testEvent, until, type E2eRuntime } from './support';

describe('e2e: subscription changes apply at once', () => {
  let e2e: E2eRuntime;
  let ok: Receiver;
  let failing: Receiver;

  beforeAll(async () => {
    [e2e, ok, failing] = await Promise.all([
      // A retry 1.5 s after a failure: time for the test to change the subscription in between.
      startE2eRuntime({ SUBSCRIPTION_CACHE_MS: '60000', RETRY_BASE_DELAY_MS: '1500', MAX_ATTEMPTS: '3' }),
      startReceiver(() => ({ status: 200 })),
      startReceiver(() => ({ status: 500 })),
    ]);
  });
  afterAll(async () => {
    await Promise.all([e2e?.stop(), ok?.close(), failing?.close()]);
  });

  it('delivers an event published right after create to the new subscription', async () => {
    const first = await e2e.subscribe({ url: `${ok.url}/first`, eventTypes: ['created'] });
    await e2e.publish(testEvent('c1', 'created'));
    await e2e.settled(`c1.${first.id}`, 'delivered');
    // Both caches are warm now; a subscription created this moment must still get the next event.
    const second = await e2e.subscribe({ url: `${ok.url}/second`, eventTypes: ['created'] });
    await e2e.publish(testEvent('c2', 'created'));
    await Promise.all([e2e.settled(`c2.${first.id}`, 'delivered'), e2e.settled(`c2.${second.id}`, 'delivered')]);
    expect(ok.requests.filter((r) => r.path === '/second').map((r) => r.headers['webhook-id'])).toEqual([`c2.${second.id}`]);
  });

  it('sends the next attempt to a URL changed after the first failed', async () => {
    const sub = await e2e.subscribe({ url: `${failing.url}/old`, eventTypes: ['moved'] });
    await e2e.publish(testEvent('m1', 'moved'));
    await failing.waitForRequests(1, 10_000);
    await e2e.call('subscriptions', { action: 'update', id: sub.id, url: `${ok.url}/new` });
    const delivery = await e2e.settled(`m1.${sub.id}`, 'delivered');
    expect(delivery.attemptCount).toBe(2);
    expect(ok.requests.filter((r) => r.path === '/new')).toHaveLength(1);
    expect(failing.requests.filter((r) => r.path === '/old')).toHaveLength(1);
  });

  it('pauses the next attempt of a subscription disabled after the first failed', async () => {
    const before = failing.requests.length;
    const sub = await e2e.subscribe({ url: `${failing.url}/disabled`, eventTypes: ['paused'] });
    await e2e.publish(testEvent('p1', 'paused'));
    await until(() => failing.requests.length > before, 10_000, 'the first attempt');
    await e2e.call('subscriptions', { action: 'disable', id: sub.id });
    const delivery = await e2e.settled(`p1.${sub.id}`, 'paused');
    expect(delivery.statusReason).toMatch(/subscription disabled/);
    expect(failing.requests.filter((r) => r.path === '/disabled')).toHaveLength(1);
  });
});
