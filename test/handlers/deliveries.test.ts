import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attempt, Delivery } from '../../lambdas/domain/types';
import { sqsEvent, startHarness, wakeupEvent, type Harness } from '../support/harness';
import { startReceiver, type Receiver } from '../support/receiver';

describe('deliveries handler (support queries)', () => {
  let h: Harness;
  let receiver: Receiver;
  let subscriptionId: string;

  beforeAll(async () => {
    h = await startHarness({ RETRY_BASE_DELAY_MS: '1000' });
    receiver = await startReceiver((_req, n) => ({ status: n <= 2 ? 500 : 200, body: n <= 2 ? 'try later?secret=s3cr3t-value' : 'ok' }));
    const created = (await h.subscriptions({ action: 'create', url: `${receiver.url}/hook?secret=s3cr3t-value` })) as {
      subscription: { id: string };
    };
    subscriptionId = created.subscription.id;
    await h.ingest(sqsEvent([JSON.stringify({ id: 700, type: 'donation' }), JSON.stringify({ id: 701, type: 'contact_update' })]));
    const deliveryId = `700.${subscriptionId}`;
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      await h.sender(wakeupEvent([{ deliveryId, attempt }]));
      h.clock.advance(10_000);
    }
  });
  afterAll(async () => {
    await receiver.close();
    await h.close();
  });

  it('shows one delivery with its attempt log in order, secrets scrubbed', async () => {
    const res = (await h.query({ action: 'show', deliveryId: `700.${subscriptionId}` })) as { delivery: Delivery; attempts: Attempt[] };
    expect(res.delivery).toMatchObject({ status: 'delivered', attemptCount: 3, eventType: 'donation' });
    expect(res.attempts.map((a) => [a.number, a.trigger, a.outcome, a.statusCode])).toEqual([
      [1, 'initial', 'http_status', 500],
      [2, 'retry', 'http_status', 500],
      [3, 'retry', 'delivered', 200],
    ]);
    expect(res.attempts[0].responseBody).toBe('try later?***');
    expect(JSON.stringify(res)).not.toContain('s3cr3t-value');
  });

  it('lists the deliveries of an event, and of a subscription in a window with a status filter', async () => {
    // 701 is planned: fanned out, not attempted yet, so stored nowhere but in its event's plan.
    const byEvent = (await h.query({ action: 'list', eventId: 701 })) as { deliveries: Delivery[] };
    expect(byEvent.deliveries.map((d) => [d.deliveryId, d.status, d.attemptCount])).toEqual([[`701.${subscriptionId}`, 'pending', 0]]);
    const shown = (await h.query({ action: 'show', deliveryId: `701.${subscriptionId}` })) as { delivery: Delivery; attempts: Attempt[] };
    expect(shown).toMatchObject({ delivery: { status: 'pending', attemptCount: 0, nextTrigger: 'initial' }, attempts: [] });
    const from = new Date(h.clock.now().getTime() - 3_600_000).toISOString();
    const to = new Date(h.clock.now().getTime() + 3_600_000).toISOString();
    // A time window lists stored deliveries: 701 appears once its first attempt has stored it.
    const before = (await h.query({ action: 'list', subscriptionId, from, to })) as { deliveries: Delivery[] };
    expect(before.deliveries.map((d) => d.eventId)).toEqual(['700']);
    receiver.respondWith(() => ({ status: 500 }));
    await h.sender(wakeupEvent([{ deliveryId: `701.${subscriptionId}`, attempt: 1 }]));
    const all = (await h.query({ action: 'list', subscriptionId, from, to })) as { deliveries: Delivery[] };
    expect(all.deliveries.map((d) => d.eventId).sort()).toEqual(['700', '701']);
    const pending = (await h.query({ action: 'list', subscriptionId, from, to, status: 'pending' })) as { deliveries: Delivery[] };
    expect(pending.deliveries.map((d) => d.eventId)).toEqual(['701']);
  });

  it('pages with a cursor', async () => {
    const from = new Date(h.clock.now().getTime() - 3_600_000).toISOString();
    const to = new Date(h.clock.now().getTime() + 3_600_000).toISOString();
    const first = (await h.query({ action: 'list', subscriptionId, from, to, limit: 1 })) as { deliveries: Delivery[]; cursor?: string };
    expect(first.deliveries).toHaveLength(1);
    expect(first.cursor).toBeDefined();
    const second = (await h.query({ action: 'list', subscriptionId, from, to, limit: 1, cursor: first.cursor })) as {
      deliveries: Delivery[];
    };
    expect(second.deliveries).toHaveLength(1);
    expect(second.deliveries[0].deliveryId).not.toBe(first.deliveries[0].deliveryId);
  });

  it.each([
    [{}, /action: must be one of list, show/],
    [{ action: 'show' }, /deliveryId: is required/],
    [{ action: 'show', deliveryId: 'nope' }, /deliveryId: not a delivery id/],
    [{ action: 'list' }, /needs `eventId`, or `subscriptionId` with `from` and `to`/],
    [
      { action: 'list', subscriptionId: 'sub_abcdefghijklmnopqrst', from: 'yesterday', to: '2026-11-03T00:00:00Z' },
      /from: must be an ISO 8601 date-time/,
    ],
    [
      { action: 'list', subscriptionId: 'sub_abcdefghijklmnopqrst', from: '2026-11-01T00:00:00Z', to: '2026-11-03T00:00:00Z', limit: 5000 },
      /limit: at most 500/,
    ],
    [{ action: 'list', eventId: '1', extra: true }, /unknown field `extra`/],
  ])('refuses %j with a message naming the field', async (input, message) => {
    await expect(h.query(input)).rejects.toThrow(message);
  });

  it('answers an unknown delivery with NotFoundError naming it', async () => {
    await expect(h.query({ action: 'show', deliveryId: `999.${subscriptionId}` })).rejects.toMatchObject({ name: 'NotFoundError' });
  });
});
