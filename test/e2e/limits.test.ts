// A burst of events to a subscription with maxConcurrency 2 and rateLimit 20, next to another
// subscription, through the local runtime. The receivers are real servers on 127.0.0.1 that measure
// what a receiver would: requests in flight at once, and requests in any one-second window.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countingReceiver, mostInOneSecond, type CountingReceiver } from '../../bench/lib/counting-receiver';
import { startE2eRuntime, sleep, testEvent, until, type E2eRuntime } from './support';

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))];

const FLOOD = 300;
const OTHERS = 20;
/** Deliveries of the burst that support resends at once, in the second test. */
const RESENT = 120;

describe('e2e: per-subscription limits', () => {
  let e2e: E2eRuntime;
  let limited: CountingReceiver;
  let other: CountingReceiver;
  /** Set by the first test: the limited subscription and the neighbour's latencies next to the unlimited burst. */
  let floodedId: string | undefined;
  let baselineLatencies: number[] = [];

  beforeAll(async () => {
    // Deferrals must not run into the retry horizon of the suites' short test waits.
    [e2e, limited, other] = await Promise.all([
      startE2eRuntime({ RETRY_BASE_DELAY_MS: '60000', ATTEMPT_TIMEOUT_MS: '2000', SUBSCRIPTION_CACHE_MS: '30000' }),
      countingReceiver(80),
      countingReceiver(0),
    ]);
  });
  afterAll(async () => {
    await Promise.all([e2e?.stop(), limited?.close(), other?.close()]);
  });

  /** Publishes `FLOOD` events of `floodType` at once, then `OTHERS` of the neighbour's type 250 ms apart; the neighbour's latencies. */
  async function burstWithNeighbour(
    floodType: string,
    floodReceiver: CountingReceiver,
    tag: string,
  ): Promise<{ latencies: number[]; seconds: number }> {
    const started = Date.now();
    for (let i = 0; i < FLOOD; i += 10) {
      await e2e.publishBatch(Array.from({ length: 10 }, (_, k) => testEvent(`${tag}-flood-${i + k}`, floodType)));
    }
    const neighbour = await neighbourEvents(tag);
    const floodIds = () => new Set(floodReceiver.arrivals.filter((a) => a.id.startsWith(`${tag}-`)).map((a) => a.id));
    await until(() => floodIds().size >= FLOOD, 240_000, `every delivery of ${tag}`);
    return { latencies: await neighbour.latencies(), seconds: (Date.now() - started) / 1000 };
  }

  /** Publishes `OTHERS` events of the neighbour's type 250 ms apart; their latencies once all arrived. */
  async function neighbourEvents(tag: string): Promise<{ latencies: () => Promise<number[]> }> {
    const published = new Map<string, number>();
    const before = other.arrivals.length;
    for (let i = 0; i < OTHERS; i += 1) {
      published.set(`${tag}-other-${i}`, Date.now());
      await e2e.publish(testEvent(`${tag}-other-${i}`, 'limits_other'));
      await sleep(250);
    }
    return {
      latencies: async () => {
        await until(() => other.arrivals.length >= before + OTHERS, 240_000, `the neighbour's events of ${tag}`);
        return other.arrivals.slice(before).map((a) => a.at - published.get(a.id.split('.')[0])!);
      },
    };
  }

  it(`a burst of ${FLOOD} events keeps maxConcurrency 2 and rateLimit 20, loses nothing, slows others no more than unlimited`, async () => {
    const unlimited = await countingReceiver(80);
    try {
      await e2e.subscribe({ url: `${unlimited.url}/hook`, eventTypes: ['limits_base'] });
      const flooded = await e2e.subscribe({ url: `${limited.url}/hook`, eventTypes: ['limits_flood'], maxConcurrency: 2, rateLimit: 20 });
      expect(flooded.view).toMatchObject({ maxConcurrency: 2, rateLimit: 20 });
      const neighbour = await e2e.subscribe({ url: `${other.url}/hook`, eventTypes: ['limits_other'] });
      expect(neighbour.view).toMatchObject({ maxConcurrency: 10 });
      expect(neighbour.view).not.toHaveProperty('rateLimit');

      const baseline = await burstWithNeighbour('limits_base', unlimited, 'base');
      const flood = await burstWithNeighbour('limits_flood', limited, 'limited');
      floodedId = flooded.id;
      baselineLatencies = baseline.latencies;

      // Every delivery once, none over the limits, and no faster than the rate allows.
      expect(limited.arrivals).toHaveLength(FLOOD);
      expect(new Set(limited.arrivals.map((a) => a.id)).size).toBe(FLOOD);
      expect(limited.mostInFlight()).toBeLessThanOrEqual(2);
      const arrivals = limited.arrivals.map((a) => a.at);
      expect(mostInOneSecond(arrivals)).toBeLessThanOrEqual(22);
      expect((Math.max(...arrivals) - Math.min(...arrivals)) / 1000).toBeGreaterThanOrEqual((FLOOD - 22) / 20);
      await until(() => e2e.idle(), 30_000, 'the queues to drain');
      for (const a of limited.arrivals.slice(0, 20)) expect((await e2e.delivery(a.id))?.status).toBe('delivered');

      const summary = (name: string, r: { latencies: number[]; seconds: number }) =>
        `${name}: burst done in ${r.seconds.toFixed(1)} s, neighbour latency p50 ${percentile(r.latencies, 50)} ms, ` +
        `p95 ${percentile(r.latencies, 95)} ms`;
      console.log(
        `limits e2e: most in flight ${limited.mostInFlight()}, most in one second ${mostInOneSecond(arrivals)}; ` +
          `${summary('unlimited', baseline)}; ${summary('limited', flood)}`,
      );
      // The neighbour waits behind the burst's first pass through the queue either way; deferring
      // the limited subscription's deliveries must not make that longer.
      expect(percentile(flood.latencies, 95)).toBeLessThanOrEqual(1.5 * percentile(baseline.latencies, 95) + 1000);
    } finally {
      await unlimited.close();
    }
  }, 600_000);

  it(`a resend of ${RESENT} of those deliveries at once keeps the limits, sends each once more, leaves the neighbour alone`, async () => {
    expect(floodedId, 'the burst test ran first and stored its subscription').toBeDefined();
    const from = limited.arrivals.length;
    const deliveryIds = Array.from({ length: RESENT }, (_, i) => `limited-flood-${i}.${floodedId}`);
    const started = Date.now();
    expect(await e2e.call<{ resent: number }>('resend', { deliveryIds })).toMatchObject({ resent: RESENT });
    const neighbour = await neighbourEvents('resend');
    const again = () => limited.arrivals.slice(from);
    await until(() => again().length >= RESENT, 120_000, 'every resent delivery');
    const latencies = await neighbour.latencies();

    expect(new Set(again().map((a) => a.id))).toEqual(new Set(deliveryIds));
    expect(again()).toHaveLength(RESENT);
    expect(limited.mostInFlight()).toBeLessThanOrEqual(2);
    const arrivals = again().map((a) => a.at);
    expect(mostInOneSecond(arrivals)).toBeLessThanOrEqual(22);
    expect((Math.max(...arrivals) - started) / 1000).toBeGreaterThanOrEqual((RESENT - 22) / 20);
    console.log(
      `limits e2e resend: most in one second ${mostInOneSecond(arrivals)}, neighbour p50 ${percentile(latencies, 50)} ms, ` +
        `p95 ${percentile(latencies, 95)} ms`,
    );
    // The resend's wake-ups wait in the deliveries queue, which serves the neighbour's first.
    expect(percentile(latencies, 95)).toBeLessThanOrEqual(1.5 * percentile(baselineLatencies, 95) + 1000);
  }, 300_000);
});
