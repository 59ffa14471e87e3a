import { describe, expect, it } from 'vitest';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoCircuitRepository } from '../../lambdas/adapters/dynamo/circuit-repository';
import type { DynamoSubscriptionRepository } from '../../lambdas/adapters/dynamo/subscription-repository';
import type { LocalDynamo } from '../support/dynalite';
import { newSubscription, useStorage } from './fixtures';

let dynamo: LocalDynamo;
let doc: DynamoDBDocumentClient;
let subscriptions: DynamoSubscriptionRepository;
let circuits: DynamoCircuitRepository;
useStorage('file', (storage) => {
  ({ dynamo, doc, subscriptions } = storage);
  circuits = new DynamoCircuitRepository({ doc, tables: dynamo.tableNames });
});

const t0 = new Date('2026-11-30T10:00:00.000Z');
const after = (ms: number) => new Date(t0.getTime() + ms);

async function created() {
  const subscription = newSubscription();
  await subscriptions.create(subscription);
  return subscription;
}

describe('DynamoCircuitRepository', () => {
  it('counts failures and opens the circuit once at the threshold, leaving updatedAt alone', async () => {
    const { id, updatedAt } = await created();
    expect(await circuits.countFailure(id, 3, t0, 30_000)).toMatchObject({ opened: false, circuit: { state: 'closed', failures: 1 } });
    await circuits.countFailure(id, 3, t0, 30_000);
    const third = await circuits.countFailure(id, 3, t0, 30_000);
    expect(third).toEqual({
      opened: true,
      circuit: { state: 'open', since: t0.toISOString(), failures: 0, probeAt: after(30_000).toISOString(), backoffMs: 30_000, waiting: 0 },
    });
    // Open: no more counting, and support's optimistic put still matches.
    expect(await circuits.countFailure(id, 3, t0, 30_000)).toBeUndefined();
    const stored = (await subscriptions.get(id))!;
    expect(stored.updatedAt).toBe(updatedAt);
    await subscriptions.put({ ...stored, description: 'edited' }, updatedAt);
    expect((await subscriptions.get(id))?.circuit?.state).toBe('open');
  });

  it('resets a run of failures while closed', async () => {
    const { id } = await created();
    await circuits.countFailure(id, 5, t0, 30_000);
    await circuits.resetFailures(id);
    expect((await subscriptions.get(id))?.circuit).toMatchObject({ state: 'closed', failures: 0 });
  });

  it('lets one probe at a time take a due open circuit, and a stalled probe be taken over after its lease', async () => {
    const { id } = await created();
    for (let i = 0; i < 2; i += 1) await circuits.countFailure(id, 2, t0, 30_000);
    expect(await circuits.takeProbe(id, after(29_000), after(64_000))).toBe(false);
    expect(await circuits.takeProbe(id, after(30_000), after(65_000))).toBe(true);
    expect(await circuits.takeProbe(id, after(30_001), after(65_001))).toBe(false);
    expect((await subscriptions.get(id))?.circuit).toMatchObject({ state: 'probing', probeAt: after(65_000).toISOString() });
    expect(await circuits.takeProbe(id, after(65_000), after(100_000))).toBe(true);
  });

  it('re-opens after a failed probe with the wait given, and closes after a successful one', async () => {
    const { id } = await created();
    for (let i = 0; i < 2; i += 1) await circuits.countFailure(id, 2, t0, 30_000);
    // Counted together (one write) or one by one, the count is the same; a count for another opening is not made.
    await Promise.all([circuits.countWaiting(id, t0.toISOString()), circuits.countWaiting(id, 'another opening')]);
    await circuits.countWaiting(id, t0.toISOString());
    expect(await circuits.close(id, after(1))).toBe(false);
    await circuits.takeProbe(id, after(30_000), after(65_000));
    expect(await circuits.reopen(id, after(31_000), 60_000)).toBe(true);
    expect((await subscriptions.get(id))?.circuit).toMatchObject({
      state: 'open',
      since: t0.toISOString(),
      probeAt: after(91_000).toISOString(),
      backoffMs: 60_000,
      waiting: 2,
    });
    await circuits.takeProbe(id, after(91_000), after(126_000));
    expect(await circuits.close(id, after(92_000))).toBe(true);
    expect((await subscriptions.get(id))?.circuit).toEqual({
      state: 'closed',
      since: after(92_000).toISOString(),
      failures: 0,
      waiting: 0,
    });
  });

  it('marks a subscription slow, never shortening the mark', async () => {
    const { id } = await created();
    await circuits.markSlow(id, after(600_000));
    await circuits.markSlow(id, after(300_000));
    expect((await subscriptions.get(id))?.circuit).toEqual({
      state: 'closed',
      failures: 0,
      waiting: 0,
      slowUntil: after(600_000).toISOString(),
    });
  });

  it('writes nothing for an unknown subscription', async () => {
    expect(await circuits.countFailure('sub_aaaaaaaaaaaaaaaaaaaa', 1, t0, 1)).toBeUndefined();
    await circuits.markSlow('sub_aaaaaaaaaaaaaaaaaaaa', t0);
    expect(await subscriptions.get('sub_aaaaaaaaaaaaaaaaaaaa')).toBeUndefined();
  });
});
