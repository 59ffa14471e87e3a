// The wait lists behind open circuits, in the fan-out log table beside the fan-out log's minutes:
// one small item per waiting delivery under `wait#<subscription>#<opened at>#<shard>`, so that a
// subscription with thousands of new deliveries a second while its circuit is open spreads their
// writes over WAIT_SHARDS partition keys. Read by the release, a page at a time.
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { pendingShardOf } from '../../domain/delivery-id';
import type { Page, WaitList } from '../../domain/ports';
import { TTL_ATTRIBUTE } from '../../storage/tables';
import { expiresAtOf } from './item';

/** The items' partition keys begin so: the senders may write and read these items of the table and no others. */
export const WAIT_BUCKET_PREFIX = 'wait#';

/** Partition keys per wait list: each takes at most 1,000 write units a second. */
export const WAIT_SHARDS = 10;

/** Deliveries per page: a release wakes one page at a time (delivery/release.ts). */
export const WAIT_PAGE = 25;

export interface DynamoWaitListOptions {
  doc: DynamoDBDocumentClient;
  tableName: string;
  /** How long an entry is kept: a wait ends within its delivery's retry horizon, far sooner. */
  retentionDays: number;
}

const bucketOf = (subscriptionId: string, openedAt: string, shard: number) => `${WAIT_BUCKET_PREFIX}${subscriptionId}#${openedAt}#${shard}`;

export class DynamoWaitList implements WaitList {
  constructor(private readonly options: DynamoWaitListOptions) {}

  async add(subscriptionId: string, openedAt: string, deliveryId: string, now: Date): Promise<void> {
    const shard = Number(pendingShardOf(deliveryId, WAIT_SHARDS));
    const item = {
      bucket: bucketOf(subscriptionId, openedAt, shard),
      batchId: deliveryId,
      [TTL_ATTRIBUTE]: expiresAtOf(now.toISOString(), this.options.retentionDays),
    };
    await this.options.doc.send(new PutCommand({ TableName: this.options.tableName, Item: item }));
  }

  /** The cursor is `<shard>` (that shard from its start) or `<shard> <last delivery id read>`. */
  async page(subscriptionId: string, openedAt: string, after?: string): Promise<Page<string>> {
    const { shard, last } = parseCursor(after);
    const bucket = bucketOf(subscriptionId, openedAt, shard);
    const out = await this.options.doc.send(
      new QueryCommand({
        TableName: this.options.tableName,
        KeyConditionExpression: '#bucket = :bucket',
        ExpressionAttributeNames: { '#bucket': 'bucket' },
        ExpressionAttributeValues: { ':bucket': bucket },
        ProjectionExpression: 'batchId',
        Limit: WAIT_PAGE,
        ...(last === undefined ? {} : { ExclusiveStartKey: { bucket, batchId: last } }),
      }),
    );
    const items = (out.Items ?? []).map((item) => item.batchId as string);
    const next = out.LastEvaluatedKey?.batchId as string | undefined;
    if (next !== undefined) return { items, cursor: `${shard} ${next}` };
    return shard + 1 < WAIT_SHARDS ? { items, cursor: String(shard + 1) } : { items };
  }
}

function parseCursor(after: string | undefined): { shard: number; last?: string } {
  if (after === undefined) return { shard: 0 };
  const space = after.indexOf(' ');
  const shard = Number(space < 0 ? after : after.slice(0, space));
  if (!Number.isInteger(shard) || shard < 0 || shard >= WAIT_SHARDS)
    throw new Error(`wait list cursor ${JSON.stringify(after)} names no shard`);
  return space < 0 ? { shard } : { shard, last: after.slice(space + 1) };
}
