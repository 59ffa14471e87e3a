import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SubscriptionRepository } from '../../domain/ports';
import { ConflictError, NotFoundError } from '../../domain/errors';
import type { Subscription, SubscriptionStatus } from '../../domain/types';
import { SUBSCRIPTIONS_BY_STATUS } from '../../storage/tables';
import { isConditionalCheckFailed } from './aws-errors';
import { queryAll } from './query-all';
import { subscriptionFromItem, subscriptionToItem } from './subscription-items';

export interface DynamoSubscriptionRepositoryOptions {
  doc: DynamoDBDocumentClient;
  tables: { subscriptions: string };
  /** How long a deleted subscription stays as a tombstone. */
  retentionDays: number;
}

export class DynamoSubscriptionRepository implements SubscriptionRepository {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly retentionDays: number;

  constructor(options: DynamoSubscriptionRepositoryOptions) {
    this.doc = options.doc;
    this.tableName = options.tables.subscriptions;
    this.retentionDays = options.retentionDays;
  }

  async create(subscription: Subscription): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: subscriptionToItem(subscription, this.retentionDays),
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new ConflictError(`subscription ${subscription.id} already exists`);
      throw error;
    }
  }

  async get(id: string): Promise<Subscription | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { id }, ConsistentRead: true }));
    return out.Item ? subscriptionFromItem(out.Item) : undefined;
  }

  async listByStatus(status: SubscriptionStatus): Promise<Subscription[]> {
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      IndexName: SUBSCRIPTIONS_BY_STATUS,
      KeyConditionExpression: '#status = :status',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': status },
      ScanIndexForward: true,
    });
    return items.map(subscriptionFromItem);
  }

  async put(subscription: Subscription, expectedUpdatedAt?: string): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: subscriptionToItem(subscription, this.retentionDays),
          ConditionExpression: expectedUpdatedAt === undefined ? 'attribute_exists(id)' : 'updatedAt = :expected',
          ExpressionAttributeValues: expectedUpdatedAt === undefined ? undefined : { ':expected': expectedUpdatedAt },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      if (expectedUpdatedAt === undefined) throw new NotFoundError(`subscription ${subscription.id} not found`);
      throw new ConflictError(`subscription ${subscription.id} was changed or deleted meanwhile; read it again and retry`);
    }
  }

  async markFailing(id: string, since: string, replacing?: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id },
          UpdateExpression: replacing === undefined ? 'SET failingSince = :since' : 'SET failingSince = :since REMOVE runDeliveredAt',
          ConditionExpression:
            replacing === undefined ? 'attribute_exists(id) AND attribute_not_exists(failingSince)' : 'attribute_exists(id) AND failingSince = :replacing',
          ExpressionAttributeValues: replacing === undefined ? { ':since': since } : { ':since': since, ':replacing': replacing },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async markRunDelivered(id: string, at: string, since: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id },
          UpdateExpression: 'SET runDeliveredAt = :at',
          ConditionExpression: 'failingSince = :since AND attribute_not_exists(runDeliveredAt)',
          ExpressionAttributeValues: { ':at': at, ':since': since },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async clearFailing(id: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id },
          UpdateExpression: 'REMOVE failingSince, runDeliveredAt',
          ConditionExpression: 'attribute_exists(id)',
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
}
