// One receiver cannot slow the others, end to end through the local runtime: a receiver that hangs
// next to healthy ones leaves their latency alone (slow lane, records that do not wait for each
// other); a failing receiver's circuit opens, probes, closes, and every one of its events arrives;
// support sees the circuit in the subscription, with its deliveries, and is told once when it opens
// and once when it closes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubscriptionNotice } from '../../lambdas/domain/ports';
import type { Delivery } from '../../lambdas/domain/types';
import type { Receiver } from '../support/receiver';
import { receiverPool, sleep, startE2eRuntime, testEvent, until, type E2eRuntime } from './support';

interface CircuitView {
  state: 'closed' | 'open' | 'probing';
  since?: string;
  waiting: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

describe('a hanging receiver next to healthy ones', () => {
  const receivers = receiverPool();
  let e2e: E2eRuntime;

  beforeAll(async () => {
    // 10 record slots in the main lane; an attempt in flight for 200 ms marks its subscription slow.
    e2e = await startE2eRuntime({
      SENDER_CONCURRENCY: '1',
      SLOW_ATTEMPT_MS: '200',
      ATTEMPT_TIMEOUT_MS: '3000',
      MAX_ATTEMPTS: '2',
      RETRY_BASE_DELAY_MS: '60000',
    });
  });
  afterAll(async () => {
    await e2e.stop();
    await receivers.closeAll();
  });

  /** Publishes `events` events of `type` at 20/s; the healthy receivers' publish -> received latencies. */
  async function latencies(type: string, healthy: Receiver[], events: number): Promise<number[]> {
    const published = new Map<string, number>();
    for (let i = 0; i < events; i += 1) {
      const id = `${type}-${i}`;
      published.set(id, Date.now());
      await e2e.publish(testEvent(id, type));
      await sleep(50);
    }
    await Promise.all(healthy.map((r) => r.waitForRequests(events, 30_000)));
    const ms = healthy.flatMap((r) =>
      r.requests.map((req) => req.receivedAt - published.get((JSON.parse(req.body.toString()) as { id: string }).id)!),
    );
    expect(ms).toHaveLength(healthy.length * events);
    return ms;
  }

  it('leaves the healthy receivers latency as it is alone', async () => {
    const events = 40;
    const alone = [await receivers.start(), await receivers.start()];
    for (const r of alone) await e2e.subscribe({ url: `${r.url}/hook`, eventTypes: ['isolation.alone'] });
    const baseline = await latencies('isolation.alone', alone, events);

    const healthy = [await receivers.start(), await receivers.start()];
    const hanging = await receivers.start(() => ({ delayMs: 60_000 }));
    for (const r of [...healthy, hanging]) await e2e.subscribe({ url: `${r.url}/hook`, eventTypes: ['isolation.hang'] });
    // 20 events a second: at 3 s per hanging attempt, the main lane's 10 slots would be full within half a second.
    const next = await latencies('isolation.hang', healthy, events);
    // Healthy records waiting behind hanging ones would take up to the attempt timeout (3 s) longer,
    // every one of them once the main lane's slots were full. The margin is for this machine's noise
    // (shared CPUs: the baseline alone varies by seconds under load), and stays under that timeout.
    const report =
      `healthy p50/p95 alone ${percentile(baseline, 50)}/${percentile(baseline, 95)} ms, ` +
      `next to a hanging receiver ${percentile(next, 50)}/${percentile(next, 95)} ms`;
    expect(percentile(next, 50), report).toBeLessThanOrEqual(1.5 * percentile(baseline, 50) + 1_000);
    expect(percentile(next, 95), report).toBeLessThanOrEqual(1.5 * percentile(baseline, 95) + 1_000);
    expect(hanging.requests.length).toBeGreaterThan(0);
  }, 120_000);
});

describe('a failing receiver', () => {
  const receivers = receiverPool();
  let e2e: E2eRuntime;
  const notifications = async () => (await (await fetch(`${e2e.runtime.url}/notifications`)).json()) as SubscriptionNotice[];
  const circuitOf = async (id: string) =>
    (await e2e.call<{ subscription: { circuit: CircuitView } }>('subscriptions', { action: 'get', id })).subscription.circuit;

  beforeAll(async () => {
    e2e = await startE2eRuntime({
      // Three failures in a row open the circuit, however short the run.
      CIRCUIT_FAILURE_THRESHOLD: '3',
      CIRCUIT_MIN_RUN_MS: '0',
      CIRCUIT_FIRST_PROBE_MS: '400',
      CIRCUIT_MAX_PROBE_MS: '800',
      MAX_ATTEMPTS: '10',
      // Waits of 0.2, 0.4, 0.8 s ...: a retry horizon of 102 s, which the deferrals stay well within.
      RETRY_BASE_DELAY_MS: '200',
      RETRY_MULTIPLIER: '2',
    });
  });
  afterAll(async () => {
    await e2e.stop();
    await receivers.closeAll();
  });

  it('opens its circuit, defers instead of POSTing, probes, closes, and then delivers every event', async () => {
    let up = false;
    const receiver = await receivers.start(() => ({ status: up ? 200 : 503 }));
    const { id } = await e2e.subscribe({ url: `${receiver.url}/hook?secret=circuit-secret`, eventTypes: ['isolation.fail'] });
    const events = 12;
    for (let i = 0; i < events; i += 1) await e2e.publish(testEvent(`fail-${i}`, 'isolation.fail'));

    await until(async () => (await circuitOf(id)).state !== 'closed', 30_000, 'the circuit to open');
    await until(async () => (await circuitOf(id)).waiting > 0, 30_000, 'deliveries waiting behind the circuit');
    const open = await circuitOf(id);
    expect(open).toMatchObject({ state: expect.stringMatching(/open|probing/), since: expect.any(String) });
    // The deliveries function shows the circuit with the subscription's deliveries.
    const shown = await e2e.call<{ circuit: CircuitView; delivery: Delivery }>('deliveries', {
      action: 'show',
      deliveryId: `fail-0.${id}`,
    });
    expect(shown.circuit.state).not.toBe('closed');

    // While open, only probes reach the receiver: one every 400-800 ms, not a request per delivery.
    const before = receiver.requests.length;
    await sleep(2_000);
    const during = receiver.requests.length - before;
    expect(during).toBeLessThanOrEqual(5);

    up = true;
    await until(async () => (await circuitOf(id)).state === 'closed', 30_000, 'the circuit to close');
    for (let i = 0; i < events; i += 1) await e2e.settled(`fail-${i}.${id}`, 'delivered', 30_000);
    const delivered = new Set(receiver.requests.filter((r) => r.receivedAt > 0).map((r) => r.headers['webhook-id']));
    expect(delivered.size).toBe(events);

    // Deferrals use no attempt: no delivery used more attempts than it was POSTed.
    for (let i = 0; i < events; i += 1) {
      const deliveryId = `fail-${i}.${id}`;
      const attempts = await e2e.attempts(deliveryId);
      expect(attempts.length).toBe(receiver.requests.filter((r) => r.headers['webhook-id'] === deliveryId).length);
    }
    const notices = (await notifications()).filter((n) => n.subscriptionId === id);
    expect(notices.map((n) => n.kind)).toEqual(['circuit-opened', 'circuit-closed']);
    expect(JSON.stringify(notices)).not.toContain('circuit-secret');
    expect(await circuitOf(id)).toEqual({ state: 'closed', since: expect.any(String), waiting: 0 });
  }, 120_000);
});
