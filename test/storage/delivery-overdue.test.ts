// The sweeper's query: overdue pending deliveries from every shard of the sparse pending index.
import { describe, expect, it } from 'vitest';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDeliveryRepository } from '../../lambdas/adapters/dynamo/delivery-repository';
import { pendingShardOf } from '../../lambdas/domain/delivery-id';
import { ValidationError } from '../../lambdas/domain/errors';
import type { Delivery } from '../../lambdas/domain/types';
import { PENDING_SHARDS } from '../../lambdas/storage/tables';
import type { LocalDynamo } from '../support/dynalite';
import { at, newDelivery, newEventId, newSubscriptionId, useStorage } from './fixtures';

// Fresh tables per test: the pending index is global, so one test's deliveries would show in another's.
let dynamo: LocalDynamo;
let doc: DynamoDBDocumentClient;
let repo: DynamoDeliveryRepository;
useStorage('test', (storage) => ({ dynamo, doc, deliveries: repo } = storage));

function pendingAt(minutes: number): Delivery {
  return newDelivery(newEventId(), newSubscriptionId(), { nextAttemptAt: at(minutes) });
}

describe('listOverdue', () => {
  it('collects overdue deliveries from every shard, most overdue first, up to the limit', async () => {
    const overdue = Array.from({ length: 24 }, (_, i) => pendingAt(i));
    const notDue = [pendingAt(60), pendingAt(61)];
    const finished = [
      newDelivery(newEventId(), newSubscriptionId(), { status: 'delivered', nextAttemptAt: undefined, completedAt: at(3) }),
      newDelivery(newEventId(), newSubscriptionId(), { status: 'failed', nextAttemptAt: undefined, completedAt: at(4) }),
    ];
    const shards = new Set(overdue.map((d) => pendingShardOf(d.deliveryId, PENDING_SHARDS)));
    expect(shards.size).toBeGreaterThanOrEqual(3);
    const shuffled = [...overdue.filter((_, i) => i % 2 === 1), ...notDue, ...finished, ...overdue.filter((_, i) => i % 2 === 0)];
    await repo.storeDeliveries(shuffled);

    expect(await repo.listOverdue(at(30), 100)).toEqual(overdue);
    expect(await repo.listOverdue(at(30), 5)).toEqual(overdue.slice(0, 5));
    // Strictly before: a delivery due exactly at the bound is not overdue yet.
    expect(await repo.listOverdue(at(10), 100)).toEqual(overdue.slice(0, 10));
    expect(await repo.listOverdue(at(-1), 100)).toEqual([]);
  });

  it('drops a delivery from the index once it is delivered, and takes it back on restart', async () => {
    const delivery = pendingAt(0);
    await repo.storeDeliveries([delivery]);
    expect((await repo.listOverdue(at(5), 10)).map((d) => d.deliveryId)).toEqual([delivery.deliveryId]);

    const claimed = await repo.claimAttempt({ deliveryId: delivery.deliveryId, attempt: 1 }, at(1), at(2));
    expect(claimed).toBeDefined();
    const attempt = {
      deliveryId: delivery.deliveryId,
      number: 1,
      trigger: 'initial' as const,
      startedAt: at(1),
      durationMs: 40,
      outcome: 'delivered' as const,
      statusCode: 200,
    };
    expect(await repo.completeAttempt(claimed as Delivery, attempt, { status: 'delivered' }, at(1.1))).toBe(true);
    expect(await repo.listOverdue(at(60), 10)).toEqual([]);

    await repo.restartBudget(delivery, at(20));
    const again = await repo.listOverdue(at(60), 10);
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ deliveryId: delivery.deliveryId, nextAttemptAt: at(20), nextTrigger: 'manual' });
  });

  it('lists a scheduled retry only once it is due', async () => {
    const delivery = pendingAt(0);
    await repo.storeDeliveries([delivery]);
    const claimed = await repo.claimAttempt({ deliveryId: delivery.deliveryId, attempt: 1 }, at(1), at(2));
    const attempt = {
      deliveryId: delivery.deliveryId,
      number: 1,
      trigger: 'initial' as const,
      startedAt: at(1),
      durationMs: 40,
      outcome: 'network' as const,
      error: 'ECONNREFUSED',
    };
    await repo.completeAttempt(claimed as Delivery, attempt, { status: 'pending', nextAttemptAt: at(30) }, at(1.1));

    expect(await repo.listOverdue(at(30), 10)).toEqual([]);
    expect((await repo.listOverdue(at(31), 10)).map((d) => [d.deliveryId, d.nextTrigger])).toEqual([[delivery.deliveryId, 'retry']]);
  });

  it('re-checks candidates against the table, ignoring index entries that are out of date', async () => {
    // An index that lags the table can still show a delivery as pending after it was delivered.
    const lagging = { ...pendingAt(0), status: 'delivered' as const };
    await doc.send(
      new PutCommand({
        TableName: dynamo.tableNames.deliveries,
        Item: { ...lagging, pendingShard: pendingShardOf(lagging.deliveryId, PENDING_SHARDS) },
      }),
    );
    const real = pendingAt(1);
    await repo.storeDeliveries([real]);
    expect((await repo.listOverdue(at(5), 10)).map((d) => d.deliveryId)).toEqual([real.deliveryId]);
  });

  it('rejects a limit that is not a positive integer', async () => {
    await expect(repo.listOverdue(at(5), 0)).rejects.toBeInstanceOf(ValidationError);
  });
});
