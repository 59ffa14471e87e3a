import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PutOptions, SubscriptionRepository } from '../../domain/ports';
import { ConflictError, NotFoundError } from '../../domain/errors';
import type { SecretBox } from '../../domain/secret-box';
import type { FanoutTarget, Subscription, SubscriptionStatus } from '../../domain/types';
import { SUBSCRIPTION_TARGET_ATTRIBUTES, SUBSCRIPTIONS_BY_STATUS } from '../../storage/tables';
import { isConditionalCheckFailed } from './aws-errors';
import type { Item } from './item';
import { batchGet } from './batch';
import { queryAll } from './query-all';
import { supportUpdate } from './subscription-update';
import {
  fanoutTargetFromItem,
  plainSecretsOf,
  SEALED_SECRETS,
  secretFieldsOf,
  subscriptionFromItem,
  subscriptionToItem,
  supportAttributesOf,
  VERSION_ITEM_ID,
  type SubscriptionSecrets,
} from './subscription-items';

export interface DynamoSubscriptionRepositoryOptions {
  doc: DynamoDBDocumentClient;
  tables: { subscriptions: string };
  /** How long a deleted subscription stays as a tombstone. */
  retentionDays: number;
  /**
   * Seals the secret fields on every write and opens them on every read. Absent where a function
   * reads no secret (ingest: `listTargets` and `version` only); anything else then fails loudly.
   */
  secrets?: SecretBox;
}

export class DynamoSubscriptionRepository implements SubscriptionRepository {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly retentionDays: number;
  private readonly secrets?: SecretBox;

  constructor(options: DynamoSubscriptionRepositoryOptions) {
    this.doc = options.doc;
    this.tableName = options.tables.subscriptions;
    this.retentionDays = options.retentionDays;
    this.secrets = options.secrets;
  }

  async create(subscription: Subscription): Promise<void> {
    const item = await this.toItem(subscription);
    try {
      await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(id)' }));
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new ConflictError(`subscription ${subscription.id} already exists`);
      throw error;
    }
    await this.bumpVersion();
  }

  async get(id: string): Promise<Subscription | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { id }, ConsistentRead: true }));
    return out.Item && out.Item.id !== VERSION_ITEM_ID ? this.fromItem(out.Item) : undefined;
  }

  /**
   * The index holds only what fan-out reads, so the ids come from it and the whole items from the
   * table. The index follows the table a moment later: an id found under a status the item has
   * just left is kept if its status now is among those asked for (and listed once), else left out.
   */
  async listByStatus(statuses: readonly SubscriptionStatus[]): Promise<Subscription[]> {
    const entries = (await Promise.all(statuses.map((status) => this.queryStatus(status, ['#id'])))).flat();
    const ids = [...new Set(entries.map((entry) => entry.id as string))];
    const items = await batchGet(
      this.doc,
      this.tableName,
      ids.map((id) => ({ id })),
    );
    const current = items.filter((item) => statuses.includes(item.status as SubscriptionStatus)).sort(byCreation);
    return Promise.all(current.map((item) => this.fromItem(item)));
  }

  async listTargets(status: SubscriptionStatus): Promise<FanoutTarget[]> {
    return (await this.queryStatus(status, ['#id', '#status', ...SUBSCRIPTION_TARGET_ATTRIBUTES])).map(fanoutTargetFromItem);
  }

  async version(): Promise<number> {
    // Strongly consistent: an eventually consistent read may miss a write acknowledged a moment ago,
    // which is exactly the subscription support just created and is about to test.
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { id: VERSION_ITEM_ID }, ConsistentRead: true, ProjectionExpression: 'version' }),
    );
    return typeof out.Item?.version === 'number' ? out.Item.version : 0;
  }

  async put(subscription: Subscription, options: PutOptions = {}): Promise<void> {
    const { expectedUpdatedAt } = options;
    const { values, ...update } = supportUpdate(await this.supportAttributes(subscription), options.endFailingRun === true);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id: subscription.id },
          ...update,
          ConditionExpression: expectedUpdatedAt === undefined ? 'attribute_exists(id)' : 'updatedAt = :expected',
          ExpressionAttributeValues: expectedUpdatedAt === undefined ? values : { ...values, ':expected': expectedUpdatedAt },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      if (expectedUpdatedAt === undefined) throw new NotFoundError(`subscription ${subscription.id} not found`);
      throw new ConflictError(`subscription ${subscription.id} was changed or deleted meanwhile; read it again and retry`);
    }
    await this.bumpVersion();
  }

  async markFailing(id: string, since: string, replacing?: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id },
          UpdateExpression: replacing === undefined ? 'SET failingSince = :since' : 'SET failingSince = :since REMOVE runDeliveredAt',
          ConditionExpression:
            replacing === undefined
              ? 'attribute_exists(id) AND attribute_not_exists(failingSince)'
              : 'attribute_exists(id) AND failingSince = :replacing',
          ExpressionAttributeValues: replacing === undefined ? { ':since': since } : { ':since': since, ':replacing': replacing },
        }),
      );
      await this.bumpVersion();
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
      await this.bumpVersion();
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
      await this.bumpVersion();
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /**
   * After every write that took effect: caches see the change at their next check. Not one
   * transaction with the write (a failure here leaves the change stored but unannounced, and caches
   * then see it when their time limit runs out); the SDK retries it like any request.
   */
  private async bumpVersion(): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { id: VERSION_ITEM_ID },
        UpdateExpression: 'SET version = if_not_exists(version, :zero) + :one',
        ExpressionAttributeValues: { ':zero': 0, ':one': 1 },
      }),
    );
  }

  /** The index entries of one status, oldest first, with the attributes named (`#id`, `#status`: the keys). */
  private queryStatus(status: SubscriptionStatus, attributes: readonly string[]): Promise<Item[]> {
    return queryAll(this.doc, {
      TableName: this.tableName,
      IndexName: SUBSCRIPTIONS_BY_STATUS,
      KeyConditionExpression: '#status = :status',
      ExpressionAttributeNames: { '#status': 'status', '#id': 'id' },
      ExpressionAttributeValues: { ':status': status },
      ProjectionExpression: attributes.join(', '),
      ScanIndexForward: true,
    });
  }

  private async toItem(subscription: Subscription): Promise<Item> {
    return subscriptionToItem(subscription, this.retentionDays, await this.seal(subscription));
  }

  private async supportAttributes(subscription: Subscription): Promise<Item> {
    return supportAttributesOf(subscription, this.retentionDays, await this.seal(subscription));
  }

  private seal(subscription: Subscription): Promise<string> {
    return this.box().seal(JSON.stringify(secretFieldsOf(subscription)), subscription.id);
  }

  private async fromItem(item: Item): Promise<Subscription> {
    const sealed = item[SEALED_SECRETS];
    const secrets =
      typeof sealed === 'string'
        ? (JSON.parse(await this.box().open(sealed, item.id as string)) as SubscriptionSecrets)
        : plainSecretsOf(item);
    return subscriptionFromItem(item, secrets);
  }

  private box(): SecretBox {
    if (!this.secrets) throw new Error('wiring: this function reads or writes no subscription secrets (no secret box given)');
    return this.secrets;
  }
}

/** Oldest first; the id orders subscriptions created in the same millisecond. */
function byCreation(a: Item, b: Item): number {
  return String(a.createdAt).localeCompare(String(b.createdAt)) || String(a.id).localeCompare(String(b.id));
}
