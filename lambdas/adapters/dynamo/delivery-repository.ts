import {
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { AttemptConclusion, DeliveryQuery, DeliveryRepository, Page } from '../../domain/ports';
import type { Attempt, Delivery, DeliveryWakeup, EventRecord } from '../../domain/types';
import { isConditionalCheckFailed } from './aws-errors';
import { batchPut } from './batch';
import { queryAll } from './query-all';
import {
  attemptFromItem,
  attemptToItem,
  deliveryFromItem,
  deliveryKeyOf,
  deliveryToItem,
  eventFromItem,
  eventToItem,
  pendingShard,
} from './delivery-items';
import { DeliveryReader } from './delivery-reader';
import { claimUpdate, closeUpdate, completeUpdate, restartUpdate } from './delivery-updates';
import type { Item } from './item';
import type { TableNames } from './table-names';

export interface DynamoDeliveryRepositoryOptions {
  doc: DynamoDBDocumentClient;
  tables: Pick<TableNames, 'events' | 'deliveries' | 'attempts'>;
  /** Items expire this many days after the event was received / the delivery created / the attempt started. */
  retentionDays: number;
}

/**
 * Deliveries keyed by (eventId, subscriptionId). A delivery id that does not parse names no delivery:
 * lookups and conditional writes answer "absent" for it rather than failing, since it cannot exist.
 */
export class DynamoDeliveryRepository implements DeliveryRepository {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tables: DynamoDeliveryRepositoryOptions['tables'];
  private readonly retentionDays: number;
  private readonly reader: DeliveryReader;

  constructor(options: DynamoDeliveryRepositoryOptions) {
    this.doc = options.doc;
    this.tables = options.tables;
    this.retentionDays = options.retentionDays;
    this.reader = new DeliveryReader(options.doc, options.tables.deliveries);
  }

  putEventIfAbsent(event: EventRecord): Promise<boolean> {
    return this.putIfAbsent(this.tables.events, eventToItem(event, this.retentionDays), 'eventId');
  }

  async getEvent(eventId: string): Promise<EventRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tables.events, Key: { eventId }, ConsistentRead: true }));
    return out.Item ? eventFromItem(out.Item) : undefined;
  }

  async createDeliveries(deliveries: Delivery[]): Promise<Delivery[]> {
    const items = deliveries.map((delivery) => deliveryToItem(delivery, this.retentionDays));
    const unprocessed = new Set((await batchPut(this.doc, this.tables.deliveries, items)).map((item) => item.deliveryId));
    return deliveries.filter((delivery) => unprocessed.has(delivery.deliveryId));
  }

  createDeliveryIfAbsent(delivery: Delivery): Promise<boolean> {
    return this.putIfAbsent(this.tables.deliveries, deliveryToItem(delivery, this.retentionDays), 'eventId');
  }

  get(deliveryId: string): Promise<Delivery | undefined> {
    return this.reader.get(deliveryId);
  }

  getMany(deliveryIds: string[]): Promise<Delivery[]> {
    return this.reader.getMany(deliveryIds);
  }

  listByEvent(eventId: string): Promise<Delivery[]> {
    return this.reader.listByEvent(eventId);
  }

  listBySubscription(query: DeliveryQuery, limit: number, cursor?: string): Promise<Page<Delivery>> {
    return this.reader.listBySubscription(query, limit, cursor);
  }

  listOverdue(dueBefore: string, limit: number): Promise<Delivery[]> {
    return this.reader.listOverdue(dueBefore, limit);
  }

  async claimAttempt(wakeup: DeliveryWakeup, now: string, leaseUntil: string): Promise<Delivery | undefined> {
    const key = deliveryKeyOf(wakeup.deliveryId);
    if (!key) return undefined;
    const item = await this.tryUpdate(claimUpdate(this.tables.deliveries, key, wakeup, now, leaseUntil));
    return item && deliveryFromItem(item);
  }

  async completeAttempt(delivery: Delivery, attempt: Attempt, conclusion: AttemptConclusion, now: string): Promise<boolean> {
    // Without a lease the caller never claimed this attempt, so it cannot still hold it.
    if (delivery.leaseUntil === undefined) return false;
    // The log first: an attempt that reached the receiver is recorded even if the delivery was
    // taken over meanwhile.
    await this.doc.send(new PutCommand({ TableName: this.tables.attempts, Item: attemptToItem(attempt, this.retentionDays) }));
    return (await this.tryUpdate(completeUpdate(this.tables.deliveries, delivery, attempt, conclusion, now))) !== undefined;
  }

  async closeWithoutAttempt(delivery: Delivery, status: 'failed' | 'paused', reason: string, now: string): Promise<boolean> {
    if (delivery.leaseUntil === undefined) return false;
    return (await this.tryUpdate(closeUpdate(this.tables.deliveries, delivery, status, reason, now))) !== undefined;
  }

  async restartBudget(deliveryId: string, now: string): Promise<Delivery | undefined> {
    const key = deliveryKeyOf(deliveryId);
    if (!key) return undefined;
    const item = await this.tryUpdate(restartUpdate(this.tables.deliveries, key, pendingShard(deliveryId), now));
    return item && deliveryFromItem(item);
  }

  async listAttempts(deliveryId: string): Promise<Attempt[]> {
    const items = await queryAll(this.doc, {
      TableName: this.tables.attempts,
      KeyConditionExpression: 'deliveryId = :d',
      ExpressionAttributeValues: { ':d': deliveryId },
      ScanIndexForward: true,
      ConsistentRead: true,
    });
    return items.map(attemptFromItem);
  }

  private async putIfAbsent(tableName: string, item: Item, partitionKey: string): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({ TableName: tableName, Item: item, ConditionExpression: `attribute_not_exists(${partitionKey})` }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** Runs a conditional update: the attributes it returned, or undefined when the condition did not hold. */
  private async tryUpdate(input: UpdateCommandInput): Promise<Item | undefined> {
    try {
      return (await this.doc.send(new UpdateCommand(input))).Attributes ?? {};
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }
}
