// The read access patterns of the deliveries table: by id, by event, by subscription and creation
// time, and overdue pending ones (the sweeper). Both indexes are KEYS_ONLY, so index queries yield
// keys and the items are then read from the table, strongly consistent.
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { deliveryIdOf } from '../../domain/delivery-id';
import type { DeliveryQuery, Page } from '../../domain/ports';
import { ValidationError } from '../../domain/errors';
import type { Delivery } from '../../domain/types';
import { DELIVERIES_BY_SUBSCRIPTION, DELIVERIES_PENDING, PENDING_SHARDS } from '../../storage/tables';
import { batchGet } from './batch';
import { queryAll } from './query-all';
import { decodeCursor, encodeCursor } from './cursor';
import { deliveryFromItem, deliveryKeyOf, type DeliveryKey } from './delivery-items';
import type { Item } from './item';

const BY_SUBSCRIPTION_KEY = ['subscriptionId', 'createdAt', 'eventId'] as const;

function keyOfItem(item: Item): DeliveryKey {
  return { eventId: item.eventId as string, subscriptionId: item.subscriptionId as string };
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

  async listByEvent(eventId: string): Promise<Delivery[]> {
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'eventId = :e',
      ExpressionAttributeValues: { ':e': eventId },
      ScanIndexForward: true,
      ConsistentRead: true,
    });
    return items.map(deliveryFromItem);
  }

  /**
   * One page of the subscription's deliveries created in [from, to], oldest first. `limit` bounds the
   * deliveries read; the status filter applies after, so a page may hold fewer (even none) while a
   * cursor still follows.
   */
  async listBySubscription(query: DeliveryQuery, limit: number, cursor?: string): Promise<Page<Delivery>> {
    requirePositiveLimit(limit);
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: DELIVERIES_BY_SUBSCRIPTION,
        KeyConditionExpression: 'subscriptionId = :s AND createdAt BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':s': query.subscriptionId, ':from': query.from, ':to': query.to },
        ScanIndexForward: true,
        Limit: limit,
        ExclusiveStartKey: cursor === undefined ? undefined : this.startKeyOf(query, cursor),
      }),
    );
    const deliveries = await this.getByKeys((out.Items ?? []).map(keyOfItem));
    const items = query.status ? deliveries.filter((delivery) => delivery.status === query.status) : deliveries;
    return out.LastEvaluatedKey ? { items, cursor: encodeCursor(out.LastEvaluatedKey) } : { items };
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
  private startKeyOf(query: DeliveryQuery, cursor: string): Record<string, string> {
    const key = decodeCursor(cursor, BY_SUBSCRIPTION_KEY);
    const createdAt = key.createdAt ?? '';
    if (key.subscriptionId !== query.subscriptionId || createdAt < query.from || createdAt > query.to) {
      throw new ValidationError('cursor is invalid');
    }
    return key;
  }

  private async getByKeys(keys: DeliveryKey[]): Promise<Delivery[]> {
    const unique = new Map<string, DeliveryKey>();
    for (const key of keys) unique.set(deliveryIdOf(key.eventId, key.subscriptionId), key);
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
