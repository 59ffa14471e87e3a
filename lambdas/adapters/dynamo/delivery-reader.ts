// The read access patterns of the deliveries table: by id, by subscription and creation time, and
// overdue pending ones (the sweeper); by event is the event's plan (delivery-repository.ts). Both
// indexes are KEYS_ONLY, so index queries yield keys and the items are then read from the table,
// strongly consistent.
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { deliveryIdOf } from '../../domain/delivery-id';
import type { DeliveryQuery, Page } from '../../domain/ports';
import { ValidationError } from '../../domain/errors';
import type { Delivery } from '../../domain/types';
import { DELIVERIES_BY_SUBSCRIPTION, DELIVERIES_PENDING, PENDING_SHARDS, SUBSCRIPTION_SHARDS } from '../../storage/tables';
import { batchGet } from './batch';
import { decodeCursor, encodeCursor } from './cursor';
import { createdKey, deliveryFromItem, deliveryKeyOf, type DeliveryKey } from './delivery-items';
import type { Item } from './item';

/** A page cursor: the subscription, and the index sort key of the last delivery the page read. */
const CURSOR_KEY = ['subscriptionId', 'after'] as const;

/** Above every character of a delivery id (printable ASCII): the end of the window's last instant. */
const AFTER_ANY_ID = '\x7f';

function keyOfItem(item: Item): DeliveryKey {
  return { deliveryId: item.deliveryId as string };
}

function requirePositiveLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new ValidationError('limit must be a positive integer');
}

export class DeliveryReader {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(deliveryId: string): Promise<Delivery | undefined> {
    const key = deliveryKeyOf(deliveryId);
    if (!key) return undefined;
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return out.Item ? deliveryFromItem(out.Item) : undefined;
  }

  /** The deliveries that exist among the given ids, in the order asked, each once. */
  getMany(deliveryIds: string[]): Promise<Delivery[]> {
    return this.getByKeys(deliveryIds.flatMap((id) => deliveryKeyOf(id) ?? []));
  }

  /**
   * One page of the subscription's deliveries created in [from, to], oldest first. `limit` bounds the
   * deliveries read; the status filter applies after, so a page may hold fewer (even none) while a
   * cursor still follows.
   */
  async listBySubscription(query: DeliveryQuery, limit: number, cursor?: string): Promise<Page<Delivery>> {
    requirePositiveLimit(limit);
    const after = cursor === undefined ? undefined : this.afterOf(query, cursor);
    // Each shard from the window's start (or the cursor, which its own shard then returns again),
    // up to `limit` entries: together they hold the next `limit` of the subscription, whichever shards they are in.
    const shards = Array.from({ length: SUBSCRIPTION_SHARDS }, (_, shard) => `${query.subscriptionId}#${shard}`);
    const reads = await Promise.all(shards.map((shard) => this.windowKeys(shard, query, after ?? createdKey(query.from, ''), limit)));
    const merged = reads
      .flatMap((read) => read.keys)
      .filter((entry) => entry.createdKey !== after)
      .sort((a, b) => compare(a.createdKey, b.createdKey));
    const page = merged.slice(0, limit);
    const more = merged.length > limit || reads.some((read) => read.more);
    const deliveries = await this.getByKeys(page.map((entry) => ({ deliveryId: entry.deliveryId })));
    const items = query.status ? deliveries.filter((delivery) => delivery.status === query.status) : deliveries;
    const last = page[page.length - 1];
    return more && last ? { items, cursor: encodeCursor({ subscriptionId: query.subscriptionId, after: last.createdKey }) } : { items };
  }

  /** Up to `limit` index entries of one shard from `from` (inclusive) to the end of the window, in order. */
  private async windowKeys(
    shard: string,
    query: DeliveryQuery,
    from: string,
    limit: number,
  ): Promise<{ keys: Array<{ deliveryId: string; createdKey: string }>; more: boolean }> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: DELIVERIES_BY_SUBSCRIPTION,
        KeyConditionExpression: 'subscriptionShard = :s AND createdKey BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':s': shard, ':from': from, ':to': createdKey(query.to, AFTER_ANY_ID) },
        ScanIndexForward: true,
        // One more than a page: the cursor's own entry may be among them.
        Limit: limit + 1,
      }),
    );
    const keys = (out.Items ?? []).map((item) => ({ deliveryId: item.deliveryId as string, createdKey: item.createdKey as string }));
    return { keys, more: out.LastEvaluatedKey !== undefined };
  }

  /**
   * Reads every shard of the sparse pending index. The index lags the table, so each candidate is
   * re-checked against its strongly consistent item before it counts as overdue.
   */
  async listOverdue(dueBefore: string, limit: number): Promise<Delivery[]> {
    requirePositiveLimit(limit);
    const shards = Array.from({ length: PENDING_SHARDS }, (_, shard) => String(shard));
    const keys = await Promise.all(shards.map((shard) => this.overdueKeys(shard, dueBefore, limit)));
    const deliveries = await this.getByKeys(keys.flat());
    return deliveries
      .filter((delivery) => delivery.status === 'pending' && delivery.nextAttemptAt !== undefined && delivery.nextAttemptAt < dueBefore)
      .sort((a, b) => compare(a.nextAttemptAt ?? '', b.nextAttemptAt ?? '') || compare(a.deliveryId, b.deliveryId))
      .slice(0, limit);
  }

  private async overdueKeys(shard: string, dueBefore: string, limit: number): Promise<DeliveryKey[]> {
    const keys: DeliveryKey[] = [];
    let startKey: Item | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: DELIVERIES_PENDING,
          KeyConditionExpression: 'pendingShard = :shard AND nextAttemptAt < :due',
          ExpressionAttributeValues: { ':shard': shard, ':due': dueBefore },
          ScanIndexForward: true,
          Limit: limit - keys.length,
          ExclusiveStartKey: startKey,
        }),
      );
      keys.push(...(out.Items ?? []).map(keyOfItem));
      startKey = out.LastEvaluatedKey;
    } while (startKey && keys.length < limit);
    return keys;
  }

  /** A cursor is valid only for the subscription and window of the query that produced it. */
  private afterOf(query: DeliveryQuery, cursor: string): string {
    const key = decodeCursor(cursor, CURSOR_KEY);
    const after = key.after ?? '';
    const createdAt = after.slice(0, after.indexOf('#'));
    if (key.subscriptionId !== query.subscriptionId || !after.includes('#') || createdAt < query.from || createdAt > query.to) {
      throw new ValidationError('cursor is invalid');
    }
    return after;
  }

  private async getByKeys(keys: DeliveryKey[]): Promise<Delivery[]> {
    const unique = new Map<string, DeliveryKey>();
    for (const key of keys) unique.set(key.deliveryId, key);
    const found = new Map<string, Delivery>();
    for (const item of await batchGet(this.doc, this.tableName, [...unique.values()])) {
      const delivery = deliveryFromItem(item);
      found.set(deliveryIdOf(delivery.eventId, delivery.subscriptionId), delivery);
    }
    return [...unique.keys()].flatMap((id) => found.get(id) ?? []);
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
