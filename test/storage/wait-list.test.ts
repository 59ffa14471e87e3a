// The wait lists behind open circuits on dynalite: every delivery added is read back once, a page at
// a time across the shards, and nothing of another subscription or another opening.
import { describe, expect, it } from 'vitest';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoWaitList, WAIT_PAGE, WAIT_SHARDS } from '../../lambdas/adapters/dynamo/wait-list';
import { deliveryIdOf, pendingShardOf } from '../../lambdas/domain/delivery-id';
import type { LocalDynamo } from '../support/dynalite';
import { at, newEventId, newSubscriptionId, RETENTION_DAYS, rawItem, useStorage } from './fixtures';

let dynamo: LocalDynamo;
let doc: DynamoDBDocumentClient;
let waitList: DynamoWaitList;
useStorage('file', (storage) => {
  ({ dynamo, doc } = storage);
  waitList = new DynamoWaitList({ doc, tableName: dynamo.tableNames.fanouts, retentionDays: RETENTION_DAYS });
});

async function readAll(subscriptionId: string, openedAt: string): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let pages = 0;
  let after: string | undefined;
  do {
    const page = await waitList.page(subscriptionId, openedAt, after);
    expect(page.items.length).toBeLessThanOrEqual(WAIT_PAGE);
    ids.push(...page.items);
    pages += 1;
    after = page.cursor;
  } while (after !== undefined);
  return { ids, pages };
}

describe('DynamoWaitList', () => {
  it('gives back every delivery added behind one opening once, a page at a time, and none of another', async () => {
    const subscriptionId = newSubscriptionId();
    const opened = at(1);
    const waiting = Array.from({ length: 80 }, () => deliveryIdOf(newEventId(), subscriptionId));
    await Promise.all(waiting.map((id) => waitList.add(subscriptionId, opened, id, new Date(at(2)))));
    // The same delivery again, a later opening, another subscription: none of them in this list twice or at all.
    await waitList.add(subscriptionId, opened, waiting[0], new Date(at(3)));
    await waitList.add(subscriptionId, at(9), deliveryIdOf(newEventId(), subscriptionId), new Date(at(9)));
    const other = newSubscriptionId();
    await waitList.add(other, opened, deliveryIdOf(newEventId(), other), new Date(at(2)));

    const { ids, pages } = await readAll(subscriptionId, opened);
    expect(ids.sort()).toEqual([...waiting].sort());
    // 80 spread over 10 shards: at least one page per shard, more where a shard holds over a page.
    expect(pages).toBeGreaterThanOrEqual(10);
    expect((await readAll(other, at(9))).ids).toEqual([]);
  });

  it('pages through a shard that holds more than a page', async () => {
    const subscriptionId = newSubscriptionId();
    const opened = at(1);
    // Ids that all fall into one shard would need a search; a long list puts more than a page into some shard.
    const waiting = Array.from({ length: 400 }, () => deliveryIdOf(newEventId(), subscriptionId));
    await Promise.all(waiting.map((id) => waitList.add(subscriptionId, opened, id, new Date(at(2)))));
    const { ids, pages } = await readAll(subscriptionId, opened);
    expect(new Set(ids).size).toBe(400);
    expect(pages).toBeGreaterThan(10);
  });

  it('expires an entry with the retention period, counted from when it was added', async () => {
    const subscriptionId = newSubscriptionId();
    const deliveryId = deliveryIdOf(newEventId(), subscriptionId);
    await waitList.add(subscriptionId, at(1), deliveryId, new Date(at(2)));
    const shard = pendingShardOf(deliveryId, WAIT_SHARDS);
    expect((await waitList.page(subscriptionId, at(1), shard)).items).toEqual([deliveryId]);
    const item = await rawItem(doc, dynamo.tableNames.fanouts, { bucket: `wait#${subscriptionId}#${at(1)}#${shard}`, batchId: deliveryId });
    expect(item?.expiresAt).toBe(Date.parse(at(2)) / 1000 + RETENTION_DAYS * 86_400);
  });

  it('refuses a cursor that names no shard', async () => {
    await expect(waitList.page(newSubscriptionId(), at(1), '10')).rejects.toThrow('wait list cursor "10" names no shard');
    await expect(waitList.page(newSubscriptionId(), at(1), 'x y')).rejects.toThrow('names no shard');
  });
});
