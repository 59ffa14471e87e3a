// What support sees of a subscription's circuit and limits in the tables of `subscriptions list` and
// `subscriptions get`, and of the circuit in `deliveries show` (in process, local runtime): a
// receiver that keeps failing gets its circuit opened, and the tables say since when and how many
// deliveries wait behind it, next to a healthy one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CircuitView } from '../../lambdas/domain/circuit';
import type { SubscriptionView } from '../../lambdas/domain/subscription-view';
import { circuitText } from '../../cli/format/subscriptions';
import { until } from '../e2e/support';
import { startReceiver, type Receiver } from '../support/receiver';
import { cliAt, startLocalService, type LocalService } from './cli-process';

describe('crm-webhooks subscriptions list and get show the circuit and the limits', () => {
  let service: LocalService;
  let cli: ReturnType<typeof cliAt>;
  let failing: Receiver;
  let healthy: Receiver;

  beforeAll(async () => {
    // Two failures in a row open the circuit, however short the run; its first probe is an hour
    // away, so it stays open (and its waiting count still) while the test reads it.
    service = await startLocalService({ CIRCUIT_FAILURE_THRESHOLD: '2', CIRCUIT_MIN_RUN_MS: '0', CIRCUIT_FIRST_PROBE_MS: '3600000' });
    cli = cliAt(service.runtime.url);
    [failing, healthy] = await Promise.all([startReceiver(() => ({ status: 503 })), startReceiver()]);
  });
  afterAll(async () => {
    await service.stop();
    await Promise.all([failing.close(), healthy.close()]);
  });

  const circuitOf = async (id: string): Promise<CircuitView | undefined> =>
    (await cli.json<{ subscription: SubscriptionView }>('subscriptions', 'get', id)).subscription.circuit;

  it('a closed circuit and the default limits, then an open circuit since when, with the deliveries waiting behind it', async () => {
    const create = async (url: string, ...limits: string[]) =>
      (
        await cli.json<{ subscription: SubscriptionView }>(
          'subscriptions',
          'create',
          '--url',
          url,
          '--event-type',
          'circuit.cli',
          ...limits,
        )
      ).subscription.id;
    const down = await create(`${failing.url}/hook`, '--max-concurrency', '3', '--rate-limit', '7');
    const up = await create(`${healthy.url}/hook`);

    const closed = await cli.ok('subscriptions', 'get', down);
    expect(closed).toMatch(/│ circuit\s+│ closed /);
    expect(closed).toMatch(/│ max concurrency\s+│ 3 requests in flight at once /);
    expect(closed).toMatch(/│ rate limit\s+│ 7 requests per second /);

    const events = 4;
    for (let i = 0; i < events; i += 1) {
      const body = JSON.stringify({ id: `circuit-cli-${i}`, type: 'circuit.cli' });
      const published = await fetch(`${service.runtime.url}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(published.status).toBe(202);
    }
    // Every delivery to the failing receiver ends up deferred behind its open circuit (none is
    // POSTed again before the probe, an hour away), so the waiting count stops at its final value.
    let circuit: CircuitView | undefined;
    await until(
      async () => {
        const before = circuit;
        circuit = await circuitOf(down);
        return circuit?.state === 'open' && circuit.waiting >= events && circuit.waiting === before?.waiting;
      },
      20_000,
      'the circuit to open with every delivery waiting',
    );
    await healthy.waitForRequests(events);
    const { since, waiting } = circuit!;
    const at = since!.replace(/\./g, '\\.');

    const [listed, got, other, delivery] = await Promise.all([
      cli.ok('subscriptions', 'list'),
      cli.ok('subscriptions', 'get', down),
      cli.ok('subscriptions', 'get', up),
      cli.ok('deliveries', 'show', `circuit-cli-0.${down}`),
    ]);
    expect(listed).toMatch(new RegExp(`│ ${down} │ active │ open since ${at}, ${waiting} waiting │ 3 in flight, 7/s +│ http://`));
    expect(listed).toMatch(new RegExp(`│ ${up} │ active │ closed +│ 10 in flight +│ http://`));
    expect(listed).toMatch(/│ id +│ status │ circuit +│ limits +│ url /);

    expect(got).toMatch(new RegExp(`│ circuit +│ open since ${at}, ${waiting} deliveries waiting `));
    expect(got).toMatch(/│ max concurrency +│ 3 requests in flight at once /);
    expect(got).toMatch(/│ rate limit +│ 7 requests per second /);

    // With one of its deliveries, the circuit it waits behind.
    expect(delivery).toMatch(new RegExp(`│ circuit +│ open since ${at}, ${waiting} deliveries waiting `));

    expect(other).toMatch(/│ circuit +│ closed /);
    expect(other).toMatch(/│ max concurrency +│ 10 requests in flight at once /);
    expect(other).toMatch(/│ rate limit +│ none /);
  }, 60_000);
});

describe('the circuit as the tables word it', () => {
  const since = '2026-03-01T10:42:00.000Z';
  it.each([
    [{ state: 'closed', waiting: 0 }, 'closed', 'closed'],
    [{ state: 'closed', since, waiting: 0 }, 'closed', `closed since ${since}`],
    [{ state: 'open', since, waiting: 37 }, `open since ${since}, 37 waiting`, `open since ${since}, 37 deliveries waiting`],
    [{ state: 'open', since, waiting: 1 }, `open since ${since}, 1 waiting`, `open since ${since}, 1 delivery waiting`],
    [
      { state: 'probing', since, waiting: 5 },
      `probing, open since ${since}, 5 waiting`,
      `probing, open since ${since}, 5 deliveries waiting`,
    ],
  ] as const)('%j: list "%s", get "%s"', (circuit, list, detail) => {
    expect(circuitText(circuit, 'list')).toBe(list);
    expect(circuitText(circuit, 'detail')).toBe(detail);
  });
});
