// Failed attempts through the local runtime: retries with doubling waits and a complete attempt log,
// a budget running out and a resend by support, and the ways a receiver fails (slow, gone, redirect).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../support/receiver';
import { gaps, receiverPool, startE2eRuntime, testEvent, until, type E2eRuntime } from './support';

const MAX_ATTEMPTS = 4;
const TIMEOUT_MS = 800;
/**
 * The waits measured are 0.8, 1.6 and 3.2 s: every attempt also costs a few storage round trips
 * before its POST, which on a busy machine can add a few hundred ms to one wait, and shorter waits
 * would drown the doubling in that noise.
 */
const TIMING_BASE_MS = 800;
/** Where no wait is measured, shorter waits keep the suite fast. */
const BASE_MS = 300;

const pool = receiverPool();
const receiver = pool.start;
afterAll(async () => {
  await pool.closeAll();
});

function runtimeWithBase(baseMs: number): () => E2eRuntime {
  let e2e: E2eRuntime;
  beforeAll(async () => {
    e2e = await startE2eRuntime({
      RETRY_BASE_DELAY_MS: String(baseMs),
      RETRY_JITTER: '0',
      MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      ATTEMPT_TIMEOUT_MS: String(TIMEOUT_MS),
    });
  });
  afterAll(async () => {
    await e2e?.stop();
  });
  return () => e2e;
}

describe('e2e: retries with doubling waits', () => {
  const runtime = runtimeWithBase(TIMING_BASE_MS);

  it('makes exactly N+1 attempts for a receiver failing N=3 times, with doubling waits and a complete attempt log', async () => {
    const e2e = runtime();
    const N = 3;
    const flaky = await receiver((_req, n) => ({ status: n <= N ? 500 : 200, body: n <= N ? 'try later' : 'ok' }));
    const { id } = await e2e.subscribe({ url: `${flaky.url}/hook`, eventTypes: ['e2e-flaky'] });
    const body = testEvent('flaky-1', 'e2e-flaky');
    await e2e.publish(body);

    const requests = await flaky.waitForRequests(N + 1, 15_000);
    const deliveryId = `flaky-1.${id}`;
    await e2e.settled(deliveryId, 'delivered');
    expect(requests.map((r) => r.headers['webhook-id'])).toEqual(Array(N + 1).fill(deliveryId));
    expect(requests.every((r) => r.body.toString('utf8') === body)).toBe(true);

    // Waits of 0.8, 1.6 and 3.2 s (no jitter here), measured where the receiver sees them.
    const measured = gaps(requests.map((r) => r.receivedAt));
    const expected = [TIMING_BASE_MS, 2 * TIMING_BASE_MS, 4 * TIMING_BASE_MS];
    measured.forEach((gap, i) => expect(gap, `gap ${i + 1} of ${JSON.stringify(measured)}`).toBeGreaterThanOrEqual(0.9 * expected[i]));
    for (let i = 1; i < measured.length; i += 1) {
      const ratio = measured[i] / measured[i - 1];
      expect(ratio, `ratio of gaps ${JSON.stringify(measured)}`).toBeGreaterThanOrEqual(1.4);
      expect(ratio, `ratio of gaps ${JSON.stringify(measured)}`).toBeLessThanOrEqual(2.7);
    }

    const attempts = await e2e.attempts(deliveryId);
    expect(attempts.map((a) => ({ number: a.number, trigger: a.trigger, outcome: a.outcome, statusCode: a.statusCode }))).toEqual([
      { number: 1, trigger: 'initial', outcome: 'http_status', statusCode: 500 },
      { number: 2, trigger: 'retry', outcome: 'http_status', statusCode: 500 },
      { number: 3, trigger: 'retry', outcome: 'http_status', statusCode: 500 },
      { number: 4, trigger: 'retry', outcome: 'delivered', statusCode: 200 },
    ]);
    expect(attempts.slice(0, N).map((a) => a.responseBody)).toEqual(Array(N).fill('try later'));
    for (const a of attempts) {
      expect(a.deliveryId).toBe(deliveryId);
      expect(Number.isNaN(Date.parse(a.startedAt))).toBe(false);
      expect(a.durationMs).toBeGreaterThanOrEqual(0);
    }
    // The log's start times show the same doubling as the receiver's clock.
    const logged = gaps(attempts.map((a) => Date.parse(a.startedAt)));
    logged.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(0.9 * expected[i]));
    expect(await e2e.delivery(deliveryId)).toMatchObject({
      status: 'delivered',
      attemptCount: N + 1,
      lastAttempt: { number: N + 1, outcome: 'delivered' },
    });

    // Nothing more to come: no wake-up waits in a queue or a schedule (this runtime is this test's alone).
    await until(() => e2e.drained(), 5_000, 'the runtime to have nothing left to do');
    expect(flaky.requests).toHaveLength(N + 1);
  });
});

describe('e2e: budgets running out, resend, and the ways a receiver fails', () => {
  const runtime = runtimeWithBase(BASE_MS);

  // The next two measure no waits, so they share the runtime at the same time.
  it.concurrent(
    'makes exactly MAX_ATTEMPTS attempts to a receiver that always fails, then `failed`; a resend by Invoke delivers once it recovers',
    async () => {
      const e2e = runtime();
      const down = await receiver(() => ({ status: 503 }));
      const { id } = await e2e.subscribe({ url: `${down.url}/hook`, eventTypes: ['e2e-down'] });
      await e2e.publish(testEvent('down-1', 'e2e-down'));
      const deliveryId = `down-1.${id}`;

      await e2e.settled(deliveryId, 'failed', 10_000);
      expect(down.requests).toHaveLength(MAX_ATTEMPTS);
      // The budget is spent: no wake-up is left in a queue or a schedule, so no attempt can follow.
      await until(() => e2e.drained(), 20_000, 'no wake-up left (the other tests of this file run alongside)');
      expect(down.requests).toHaveLength(MAX_ATTEMPTS);
      const failed = await e2e.delivery(deliveryId);
      expect(failed).toMatchObject({ status: 'failed', attemptCount: MAX_ATTEMPTS });
      expect(failed!.nextAttemptAt).toBeUndefined();

      down.respondWith(() => ({ status: 200 }));
      const resent = await e2e.invoke('resend', { deliveryIds: [deliveryId] });
      expect(resent.functionError).toBeUndefined();
      expect(resent.payload).toEqual({ dryRun: false, matched: 1, resent: 1, deliveryIds: [deliveryId], skipped: [], notFound: [] });

      await e2e.settled(deliveryId, 'delivered');
      expect(down.requests).toHaveLength(MAX_ATTEMPTS + 1);
      const attempts = await e2e.attempts(deliveryId);
      expect(attempts.map((a) => [a.number, a.trigger, a.outcome])).toEqual([
        [1, 'initial', 'http_status'],
        [2, 'retry', 'http_status'],
        [3, 'retry', 'http_status'],
        [4, 'retry', 'http_status'],
        [5, 'manual', 'delivered'],
      ]);
      expect(await e2e.delivery(deliveryId)).toMatchObject({
        status: 'delivered',
        attemptCount: MAX_ATTEMPTS + 1,
        budgetStart: MAX_ATTEMPTS,
      });
    },
  );

  it.concurrent(
    'records a slow receiver as `timeout`, a refused connection as `network` and a redirect as `http_status` 302 (not followed)',
    async () => {
      const e2e = runtime();
      const slow = await receiver(() => ({ status: 200, delayMs: TIMEOUT_MS + 700 }));
      const elsewhere = await receiver(() => ({ status: 200 }));
      const redirecting = await receiver(() => ({ status: 302, headers: { location: `${elsewhere.url}/moved` } }));
      const refusedPort = await closedPort();
      const [timeoutSub, refusedSub, redirectSub] = await Promise.all([
        e2e.subscribe({ url: `${slow.url}/hook`, eventTypes: ['e2e-broken'] }),
        e2e.subscribe({ url: `http://127.0.0.1:${refusedPort}/hook`, eventTypes: ['e2e-broken'] }),
        e2e.subscribe({ url: `${redirecting.url}/hook`, eventTypes: ['e2e-broken'] }),
      ]);
      await e2e.publish(testEvent('broken-1', 'e2e-broken'));

      const cases = [
        { sub: timeoutSub, outcome: 'timeout', statusCode: undefined },
        { sub: refusedSub, outcome: 'network', statusCode: undefined },
        { sub: redirectSub, outcome: 'http_status', statusCode: 302 },
      ] as const;
      const settled = await Promise.all(cases.map(({ sub }) => e2e.settled(`broken-1.${sub.id}`, 'failed', 15_000)));
      for (const [i, { sub, outcome, statusCode }] of cases.entries()) {
        expect(settled[i]).toMatchObject({ attemptCount: MAX_ATTEMPTS, lastAttempt: { outcome } });
        const attempts = await e2e.attempts(`broken-1.${sub.id}`);
        expect(attempts).toHaveLength(MAX_ATTEMPTS);
        for (const a of attempts) {
          expect(a.outcome).toBe(outcome);
          expect(a.statusCode).toBe(statusCode);
        }
        if (outcome === 'timeout') {
          // Cut off at the attempt timeout, not when the receiver would have answered.
          for (const a of attempts) expect(a.durationMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
          for (const a of attempts) expect(a.durationMs).toBeLessThan(TIMEOUT_MS + 600);
        }
        if (outcome === 'network') expect(attempts[0].error).toMatch(/refused|ECONNREFUSED/i);
      }
      expect(slow.requests).toHaveLength(MAX_ATTEMPTS);
      expect(redirecting.requests).toHaveLength(MAX_ATTEMPTS);
      expect(elsewhere.requests).toHaveLength(0);
    },
  );
});
