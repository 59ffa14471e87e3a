// At-least-once in, one delivery per event and subscription out: a redelivered SQS message, the same
// event id published again, and duplicated wake-ups of the sender each lead to no extra delivery and
// no extra POST.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiverPool, startE2eRuntime, testEvent, until, type E2eRuntime } from './support';

const BASE_MS = 400;

describe('e2e: idempotency of ingest and sender', () => {
  let e2e: E2eRuntime;
  const pool = receiverPool();
  const receiver = pool.start;

  beforeAll(async () => {
    e2e = await startE2eRuntime({ RETRY_BASE_DELAY_MS: String(BASE_MS), MAX_ATTEMPTS: '3' });
  });
  afterAll(async () => {
    await Promise.all([e2e?.stop(), pool.closeAll()]);
  });

  /** Every delivery of the event: one per subscription, each with exactly `attempts` log entries. */
  async function expectDeliveries(eventId: string, subscriptionIds: string[], attempts: number): Promise<void> {
    const deliveries = await e2e.runtime.deliveries.listByEvent(eventId);
    expect(deliveries.map((d) => d.subscriptionId).sort()).toEqual([...subscriptionIds].sort());
    for (const d of deliveries) {
      expect(d).toMatchObject({ status: 'delivered', attemptCount: attempts });
      expect((await e2e.attempts(d.deliveryId)).map((a) => a.number)).toEqual(Array.from({ length: attempts }, (_, i) => i + 1));
    }
  }

  it('ignores the same SQS message handed out again, while its deliveries are in flight and after they are done', async () => {
    // Slow answers keep the first attempts in flight while the message comes back.
    const [a, b] = await Promise.all([receiver(() => ({ status: 200, delayMs: 300 })), receiver(() => ({ status: 200, delayMs: 300 }))]);
    const subs = await Promise.all([a, b].map((r) => e2e.subscribe({ url: `${r.url}/hook`, eventTypes: ['e2e-redelivered'] })));
    const body = testEvent('redelivered-1', 'e2e-redelivered');
    const messageId = await e2e.publish(body);

    await Promise.all([a.waitForRequests(1), b.waitForRequests(1)]);
    // SQS is at least once: the events queue hands the very message (same id, same body) out again.
    e2e.runtime.queues.events.send(body, { id: messageId });
    await Promise.all(subs.map((s) => e2e.settled(`redelivered-1.${s.id}`, 'delivered')));
    e2e.runtime.queues.events.send(body, { id: messageId });
    await until(() => e2e.idle(), 5_000, 'the queues to drain');
    // Nothing waits in a queue, in flight or in a schedule: no request can come after this.
    expect(e2e.runtime.health().schedules).toBe(0);

    expect(a.requests).toHaveLength(1);
    expect(b.requests).toHaveLength(1);
    await expectDeliveries(
      'redelivered-1',
      subs.map((s) => s.id),
      1,
    );
  });

  it('makes one delivery per subscription when the same event id is published again, during a retry wait and after delivery', async () => {
    // The first attempt fails, so the repeats arrive while a retry is pending.
    const [a, b] = await Promise.all([
      receiver((_req, n) => ({ status: n === 1 ? 500 : 200 })),
      receiver((_req, n) => ({ status: n === 1 ? 500 : 200 })),
    ]);
    const subs = await Promise.all([a, b].map((r) => e2e.subscribe({ url: `${r.url}/hook`, eventTypes: ['e2e-republished'] })));
    const body = testEvent('republished-1', 'e2e-republished');
    await e2e.publish(body);
    await Promise.all([a.waitForRequests(1), b.waitForRequests(1)]);

    // Three more copies: two in one batch (they race in one ingest invocation), one on its own.
    await e2e.publishBatch([body, body]);
    await e2e.publish(body);
    await Promise.all(subs.map((s) => e2e.settled(`republished-1.${s.id}`, 'delivered')));
    // After delivery: the same body again, and the same id with another body (the first one is kept).
    await e2e.publish(body);
    await e2e.publish(testEvent('republished-1', 'e2e-republished', { changed: true }));
    await until(() => e2e.idle(), 5_000, 'the queues to drain');
    // Nothing waits in a queue, in flight or in a schedule: no request can come after this.
    expect(e2e.runtime.health().schedules).toBe(0);

    for (const r of [a, b]) {
      expect(r.requests).toHaveLength(2);
      expect(r.requests.every((req) => req.body.toString('utf8') === body)).toBe(true);
    }
    await expectDeliveries(
      'republished-1',
      subs.map((s) => s.id),
      2,
    );
    expect((await e2e.runtime.deliveries.getEvent('republished-1'))?.body).toBe(body);
  });

  it('makes one POST per attempt when the sender is woken several times for the same attempt', async () => {
    const flaky = await receiver((_req, n) => ({ status: n === 1 ? 503 : 200 }));
    const { id } = await e2e.subscribe({ url: `${flaky.url}/hook`, eventTypes: ['e2e-wakeups'] });
    await e2e.publish(testEvent('wakeups-1', 'e2e-wakeups'));
    const deliveryId = `wakeups-1.${id}`;

    await flaky.waitForRequests(1);
    let retryAt = 0;
    await until(
      async () => {
        const d = await e2e.delivery(deliveryId);
        retryAt = d?.status === 'pending' && d.attemptCount === 1 && d.leaseUntil === undefined ? Date.parse(d.nextAttemptAt!) : 0;
        return retryAt > 0;
      },
      2_000,
      'the first attempt to be recorded',
    );
    // Five extra wake-ups for attempt 2, due together with the real one: they race for the claim.
    const wakeup = JSON.stringify({ deliveryId, attempt: 2 });
    for (let i = 0; i < 5; i += 1) e2e.runtime.queues.deliveries.send(wakeup, { delayMs: Math.max(0, retryAt - Date.now()) });
    await e2e.settled(deliveryId, 'delivered');
    // And stale wake-ups of both attempts after the delivery is done.
    for (const attempt of [1, 2, 3]) e2e.runtime.queues.deliveries.send(JSON.stringify({ deliveryId, attempt }));
    await until(() => e2e.idle(), 5_000, 'the queues to drain');
    // Nothing waits in a queue, in flight or in a schedule: no request can come after this.
    expect(e2e.runtime.health().schedules).toBe(0);

    expect(flaky.requests).toHaveLength(2);
    expect((await e2e.attempts(deliveryId)).map((a) => [a.number, a.outcome])).toEqual([
      [1, 'http_status'],
      [2, 'delivered'],
    ]);
  });
});
