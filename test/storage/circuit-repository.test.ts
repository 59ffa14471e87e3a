import { describe, expect, it, vi, type MockInstance } from 'vitest';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from '../../lambdas/adapters/dynamo/aws-errors';
import { DynamoCircuitRepository, openCondition } from '../../lambdas/adapters/dynamo/circuit-repository';
import { CLOSED, counted, opened, runOpens, type Circuit } from '../../lambdas/domain/circuit';
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

async function created(circuit?: Circuit) {
  const subscription = newSubscription(circuit ? { circuit } : {});
  await subscriptions.create(subscription);
  return subscription;
}

// The soak's rule: five failures, and a run of at least 10 s. `opensAtOnce` lets the count alone decide.
const policy = { failureThreshold: 3, minRunMs: 10_000, firstProbeMs: 30_000 };
const opensAtOnce = { ...policy, failureThreshold: 2, minRunMs: 0 };

/** No circuit, and closed and open ones with every count around the threshold and run starts around `now - minRunMs`. */
function storedRuns(now: Date): Array<Circuit | undefined> {
  const runs: Array<Circuit | undefined> = [undefined];
  for (const state of ['closed', 'open'] as const)
    for (const failures of [0, 1, 2, 3, 4])
      for (const startedMsAgo of [undefined, -1_000, 0, 9_999, 10_000, 30_000]) {
        if (failures === 0 && startedMsAgo !== undefined) continue;
        const runStartedAt = startedMsAgo === undefined ? undefined : new Date(now.getTime() - startedMsAgo).toISOString();
        runs.push({
          state,
          failures,
          waiting: 0,
          ...(runStartedAt ? { runStartedAt } : {}),
          ...(state === 'open' ? opened(t0, policy) : {}),
        });
      }
  return runs;
}

/** The open write's condition alone, as a conditional update that changes nothing the circuit reads: true when it held. */
async function openConditionHolds(id: string, now: Date): Promise<boolean> {
  const condition = openCondition(now, policy);
  try {
    await doc.send(
      new UpdateCommand({
        TableName: dynamo.tableNames.subscriptions,
        Key: { id },
        ConditionExpression: condition.expression,
        UpdateExpression: 'SET probe = :probe',
        ExpressionAttributeNames: condition.names,
        ExpressionAttributeValues: { ...condition.values, ':probe': 1 },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

describe('DynamoCircuitRepository', () => {
  it('counts a run from its first failure and opens the circuit once the run has lasted minRunMs, leaving updatedAt alone', async () => {
    const { id, updatedAt } = await created();
    expect(await circuits.countFailure(id, t0, policy)).toMatchObject({
      opened: false,
      circuit: { state: 'closed', failures: 1, runStartedAt: t0.toISOString() },
    });
    await circuits.countFailure(id, after(400), policy);
    // At the threshold, but the run is 0.8 s old: it keeps counting.
    const third = await circuits.countFailure(id, after(800), policy);
    expect(third).toMatchObject({ opened: false, run: { state: 'closed', failures: 3, runStartedAt: t0.toISOString() } });
    expect(await circuits.countFailure(id, after(9_999), policy)).toMatchObject({ opened: false, circuit: { failures: 4 } });
    // A later failure of the same run opens it once the run has lasted 10 s.
    const opening = await circuits.countFailure(id, after(10_000), policy);
    expect(opening).toEqual({
      opened: true,
      run: { state: 'closed', failures: 5, runStartedAt: t0.toISOString(), waiting: 0 },
      circuit: {
        state: 'open',
        since: after(10_000).toISOString(),
        failures: 0,
        probeAt: after(40_000).toISOString(),
        backoffMs: 30_000,
        waiting: 0,
      },
    });
    // Open: no more counting, and support's optimistic put still matches.
    expect(await circuits.countFailure(id, after(11_000), policy)).toBeUndefined();
    const stored = (await subscriptions.get(id))!;
    expect(stored.updatedAt).toBe(updatedAt);
    await subscriptions.put({ ...stored, description: 'edited' }, { expectedUpdatedAt: updatedAt });
    expect((await subscriptions.get(id))?.circuit?.state).toBe('open');
  });

  it("keeps a circuit opened and a failing run started between support's read and its write; enable ends the run only", async () => {
    const { id } = await created();
    const read = (await subscriptions.get(id))!;
    for (let i = 0; i < 3; i += 1) await circuits.countFailure(id, after(i * 5_000), policy);
    expect(await subscriptions.markFailing(id, after(0).toISOString())).toBe(true);
    const edited = { ...read, description: 'edited', maxConcurrency: 3, updatedAt: after(20_000).toISOString() };
    await subscriptions.put(edited, { expectedUpdatedAt: read.updatedAt });
    const stored = (await subscriptions.get(id))!;
    expect(stored).toMatchObject({ description: 'edited', maxConcurrency: 3, failingSince: after(0).toISOString() });
    expect(stored.circuit).toMatchObject({ state: 'open', since: after(10_000).toISOString() });

    const enabled = { ...stored, updatedAt: after(30_000).toISOString() };
    delete enabled.failingSince;
    await subscriptions.put(enabled, { expectedUpdatedAt: stored.updatedAt, endFailingRun: true });
    const after30 = (await subscriptions.get(id))!;
    expect(after30).not.toHaveProperty('failingSince');
    expect(after30.circuit).toEqual(stored.circuit);
  });

  it('resets a run of failures while closed, its start too: the next failure starts a new run', async () => {
    const { id } = await created();
    for (let i = 0; i < 4; i += 1) await circuits.countFailure(id, after(i * 1_000), policy);
    await circuits.resetFailures(id);
    expect((await subscriptions.get(id))?.circuit).toEqual({ state: 'closed', failures: 0, waiting: 0 });
    // 12 s after the first run began, three failures of a new one: not 10 s old, so still closed.
    for (let i = 0; i < 3; i += 1)
      expect(await circuits.countFailure(id, after(12_000 + i * 100), policy)).toMatchObject({ opened: false });
    expect((await subscriptions.get(id))?.circuit).toMatchObject({
      state: 'closed',
      failures: 3,
      runStartedAt: after(12_000).toISOString(),
    });
  });

  it('opens on a counted run exactly where the domain says the run opens it, and its open condition agrees with runOpens', async () => {
    const now = after(60_000);
    const cases = await Promise.all(
      storedRuns(now).map(async (circuit) => {
        const [counting, checked] = await Promise.all([created(circuit), created(circuit)]);
        const result = await circuits.countFailure(counting.id, now, policy);
        return {
          circuit,
          counts: { expected: runOpens(counted(circuit ?? CLOSED, now), now, policy), opened: result?.opened ?? false },
          condition: { expected: runOpens(circuit ?? CLOSED, now, policy), holds: await openConditionHolds(checked.id, now) },
        };
      }),
    );
    expect(cases.filter((c) => c.counts.opened !== c.counts.expected)).toEqual([]);
    expect(cases.filter((c) => c.condition.holds !== c.condition.expected)).toEqual([]);
    // Both answers occur each way: the comparisons are not vacuous.
    expect(new Set(cases.map((c) => c.counts.expected))).toEqual(new Set([true, false]));
    expect(new Set(cases.map((c) => c.condition.expected))).toEqual(new Set([true, false]));
  });

  it('lets one of two senders counting the same run open the circuit', async () => {
    const { id } = await created({ state: 'closed', failures: 2, waiting: 0, runStartedAt: t0.toISOString() });
    // The same item, read by two senders: the first to count opens it, the second's count finds it open.
    const [a, b] = await Promise.all([circuits.countFailure(id, after(10_000), policy), circuits.countFailure(id, after(10_000), policy)]);
    expect([a?.opened, b?.opened].filter(Boolean)).toHaveLength(1);
  });

  it('does not open on a stale read: the open write checks the run again', async () => {
    const { id } = await created({ state: 'closed', failures: 2, waiting: 0, runStartedAt: t0.toISOString() });
    const send = doc.send.bind(doc) as (command: unknown) => Promise<unknown>;
    const spy = vi.spyOn(doc, 'send') as unknown as MockInstance<(command: unknown) => Promise<unknown>>;
    // Between this sender's count and its open write, another sender's answer resets the run and
    // three failures begin a new one, a second old.
    spy.mockImplementationOnce(async (command) => {
      const out = await send(command);
      await circuits.resetFailures(id);
      for (let i = 0; i < 3; i += 1) await circuits.countFailure(id, after(59_000), policy);
      return out;
    });
    const stale = await circuits.countFailure(id, after(60_000), policy);
    spy.mockRestore();
    // It read the old run (3 failures, a minute old), which would open it; the stored run does not.
    expect(stale).toMatchObject({ opened: false, run: { failures: 3, runStartedAt: t0.toISOString() } });
    expect((await subscriptions.get(id))?.circuit).toMatchObject({
      state: 'closed',
      failures: 3,
      runStartedAt: after(59_000).toISOString(),
    });
  });

  it('lets one probe at a time take a due open circuit, and a stalled probe be taken over after its lease', async () => {
    const { id } = await created();
    for (let i = 0; i < 2; i += 1) await circuits.countFailure(id, t0, opensAtOnce);
    expect(await circuits.takeProbe(id, after(29_000), after(64_000))).toBe(false);
    expect(await circuits.takeProbe(id, after(30_000), after(65_000))).toBe(true);
    expect(await circuits.takeProbe(id, after(30_001), after(65_001))).toBe(false);
    expect((await subscriptions.get(id))?.circuit).toMatchObject({ state: 'probing', probeAt: after(65_000).toISOString() });
    expect(await circuits.takeProbe(id, after(65_000), after(100_000))).toBe(true);
  });

  it('re-opens after a failed probe with the wait given, and closes after a successful one', async () => {
    const { id } = await created();
    for (let i = 0; i < 2; i += 1) await circuits.countFailure(id, t0, opensAtOnce);
    // Counted together (one write) or one by one, the count is the same; a count for another opening is not made.
    await Promise.all([circuits.countWaiting(id, t0.toISOString()), circuits.countWaiting(id, 'another opening')]);
    await circuits.countWaiting(id, t0.toISOString());
    expect(await circuits.close(id, after(1))).toBeUndefined();
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
    // The opening it closed, as stored: its wait list is the one released.
    expect(await circuits.close(id, after(92_000))).toEqual({ openedAt: t0.toISOString() });
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
    expect(await circuits.countFailure('sub_aaaaaaaaaaaaaaaaaaaa', t0, opensAtOnce)).toBeUndefined();
    await circuits.markSlow('sub_aaaaaaaaaaaaaaaaaaaa', t0);
    expect(await subscriptions.get('sub_aaaaaaaaaaaaaaaaaaaa')).toBeUndefined();
  });
});
