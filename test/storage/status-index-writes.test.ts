// Which writes to a subscription reach its `byStatus` index entry. All subscriptions of one status
// share that entry's partition key, which takes at most 1,000 write units a second: the failing
// run's and the circuit's bookkeeping, written at every counted failure, deferral and probe of any
// subscription, must not land there. The counting fake charges index writes as DynamoDB does
// (an update that changes no key and no projected attribute writes no index entry).
import { beforeEach, describe, expect, it } from 'vitest';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FakeDynamo } from '../../bench/lib/fake-dynamo';
import { DynamoCircuitRepository } from '../../lambdas/adapters/dynamo/circuit-repository';
import { DynamoSubscriptionRepository } from '../../lambdas/adapters/dynamo/subscription-repository';
import { localTableNames } from '../../local/config';
import type { SecretBox } from '../../lambdas/domain/secret-box';
import { testSecretBox } from '../support/secret-box';
import { newSubscription, RETENTION_DAYS } from './fixtures';

const TABLES = localTableNames;
const BY_STATUS = 'subscriptions.byStatus';
const policy = { failureThreshold: 2, minRunMs: 0, firstProbeMs: 30_000 };
const t0 = new Date('2026-11-30T10:00:00.000Z');
const after = (ms: number) => new Date(t0.getTime() + ms);

let dynamo: FakeDynamo;
let subscriptions: DynamoSubscriptionRepository;
let circuits: DynamoCircuitRepository;
let secrets: SecretBox;

beforeEach(() => {
  dynamo = new FakeDynamo(TABLES);
  secrets = testSecretBox();
  const doc = dynamo.documentClient();
  subscriptions = new DynamoSubscriptionRepository({ doc, tables: TABLES, retentionDays: RETENTION_DAYS, secrets });
  circuits = new DynamoCircuitRepository({ doc, tables: TABLES });
});

/** The fake's document client, except that a `byStatus` query answers with the ids given per status. */
function indexSeenAt(fake: FakeDynamo, ids: Record<string, string[]>): DynamoDBDocumentClient {
  const doc = fake.documentClient();
  return {
    send: (command: { input: Record<string, unknown> }) => {
      const { IndexName, ExpressionAttributeValues } = command.input as {
        IndexName?: string;
        ExpressionAttributeValues?: Record<string, string>;
      };
      if (IndexName !== 'byStatus') return doc.send(command as never);
      const status = ExpressionAttributeValues?.[':status'] ?? '';
      return Promise.resolve({ Items: (ids[status] ?? []).map((id) => ({ id, status })) });
    },
  } as unknown as DynamoDBDocumentClient;
}

/** The index write units `write` costs. */
async function indexUnitsOf(write: () => Promise<unknown>): Promise<number> {
  const before = dynamo.counts.indexWru.get(BY_STATUS) ?? 0;
  await write();
  return (dynamo.counts.indexWru.get(BY_STATUS) ?? 0) - before;
}

describe("the subscriptions' status index", () => {
  it('takes no write for a failing run or for the counters of an open circuit', async () => {
    const { id } = newSubscription();
    await subscriptions.create({ ...newSubscription(), id });
    expect(await indexUnitsOf(() => subscriptions.markFailing(id, t0.toISOString()))).toBe(0);
    expect(await indexUnitsOf(() => circuits.countFailure(id, t0, { ...policy, failureThreshold: 5 }))).toBe(0);
    expect(await indexUnitsOf(() => circuits.resetFailures(id))).toBe(0);
    expect(await indexUnitsOf(() => subscriptions.markRunDelivered(id, after(1).toISOString(), t0.toISOString()))).toBe(0);
    expect(await indexUnitsOf(() => subscriptions.clearFailing(id))).toBe(0);

    await circuits.countFailure(id, t0, policy);
    const opened = await indexUnitsOf(() => circuits.countFailure(id, after(1), policy));
    expect(opened, 'opening changes what picks the lane').toBeGreaterThan(0);
    expect(await indexUnitsOf(() => circuits.countWaiting(id, after(1).toISOString()))).toBe(0);
  });

  it('takes a write when what fan-out reads changes: the lane, the event types, the status', async () => {
    const subscription = newSubscription();
    await subscriptions.create(subscription);
    expect(await indexUnitsOf(() => circuits.markSlow(subscription.id, after(60_000)))).toBeGreaterThan(0);
    const retyped = { ...subscription, eventTypes: ['donation'], updatedAt: after(2).toISOString() };
    expect(await indexUnitsOf(() => subscriptions.put(retyped))).toBeGreaterThan(0);
    const described = { ...retyped, description: 'renamed', updatedAt: after(3).toISOString() };
    expect(await indexUnitsOf(() => subscriptions.put(described)), 'not projected').toBe(0);
    expect(await indexUnitsOf(() => subscriptions.put({ ...described, status: 'disabled' }))).toBeGreaterThan(0);
  });

  it("lists more subscriptions than one BatchGetItem reads, oldest first, the same millisecond's by id", async () => {
    const created = Array.from({ length: 250 }, (_, i) =>
      newSubscription({ createdAt: new Date(t0.getTime() + Math.floor(i / 2)).toISOString(), description: `n${i}` }),
    );
    for (const subscription of [...created].reverse()) await subscriptions.create(subscription);
    const listed = await subscriptions.listByStatus(['active']);
    const expected = [...created].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    expect(listed.map((s) => s.id)).toEqual(expected.map((s) => s.id));
    expect(dynamo.counts.byTable.get('subscriptions:BatchGetItem'), 'three reads of at most 100 keys').toBe(3);
  });

  it('lists a subscription whose status just changed once, under its status now, while the index still shows the old one', async () => {
    const subscription = newSubscription();
    await subscriptions.create(subscription);
    await subscriptions.put({ ...subscription, status: 'disabled', disabledReason: 'manual', updatedAt: after(1).toISOString() });
    // The index as DynamoDB may still show it a moment after the write: the id under `active`, not yet under `disabled`.
    const lagging = new DynamoSubscriptionRepository({
      doc: indexSeenAt(dynamo, { active: [subscription.id], disabled: [] }),
      tables: TABLES,
      retentionDays: RETENTION_DAYS,
      secrets,
    });
    expect((await lagging.listByStatus(['active', 'disabled'])).map((s) => [s.id, s.status])).toEqual([[subscription.id, 'disabled']]);
    expect(await lagging.listByStatus(['active'])).toEqual([]);
  });

  it('still gives fan-out the lane and support the whole subscription, oldest first', async () => {
    const older = newSubscription({ createdAt: '2026-11-01T00:00:00.000Z', description: 'older', eventTypes: ['donation'] });
    const newer = newSubscription({ createdAt: '2026-11-02T00:00:00.000Z', description: 'newer' });
    await subscriptions.create(newer);
    await subscriptions.create(older);
    await circuits.markSlow(newer.id, after(60_000));

    const listed = await subscriptions.listByStatus(['active']);
    expect(listed.map((s) => [s.description, s.url])).toEqual([
      ['older', older.url],
      ['newer', newer.url],
    ]);
    const targets = await subscriptions.listTargets('active');
    expect(targets.map((t) => [t.id, t.eventTypes, t.circuit?.slowUntil])).toEqual([
      [older.id, ['donation'], undefined],
      [newer.id, undefined, after(60_000).toISOString()],
    ]);
  });
});
