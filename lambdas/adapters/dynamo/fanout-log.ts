// The fan-out log in DynamoDB: one item per ingest batch under `<minute>#<shard>`, so a minute is
// read with one Query per shard, and the sweeper's checkpoint as one more item.
import { randomUUID } from 'node:crypto';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FanoutLog } from '../../domain/ports';
import { minuteOf } from '../../domain/sweep';
import { FANOUT_SHARDS, TTL_ATTRIBUTE } from '../../storage/tables';
import { expiresAtOf } from './item';
import { queryAll } from './query-all';

const CHECKPOINT = { bucket: 'checkpoint', batchId: 'sweeper' };

export interface DynamoFanoutLogOptions {
  doc: DynamoDBDocumentClient;
  tableName: string;
  retentionDays: number;
  /** Uniform in [0, 1): picks the shard. */
  random?: () => number;
}

export class DynamoFanoutLog implements FanoutLog {
  constructor(private readonly options: DynamoFanoutLogOptions) {}

  async record(eventIds: string[], at: Date): Promise<void> {
    const shard = Math.floor((this.options.random ?? Math.random)() * FANOUT_SHARDS);
    const item = {
      bucket: `${minuteOf(at)}#${shard}`,
      batchId: `${at.toISOString()}#${randomUUID()}`,
      eventIds,
      [TTL_ATTRIBUTE]: expiresAtOf(at.toISOString(), this.options.retentionDays),
    };
    await this.options.doc.send(new PutCommand({ TableName: this.options.tableName, Item: item }));
  }

  async eventIdsOf(minute: string): Promise<string[]> {
    const shards = Array.from({ length: FANOUT_SHARDS }, (_, shard) => `${minute}#${shard}`);
    const items = await Promise.all(
      shards.map((bucket) =>
        queryAll(this.options.doc, {
          TableName: this.options.tableName,
          // `bucket` is a DynamoDB reserved word.
          KeyConditionExpression: '#bucket = :b',
          ExpressionAttributeNames: { '#bucket': 'bucket' },
          ExpressionAttributeValues: { ':b': bucket },
          // Eventually consistent: a minute is read only after the grace period.
        }),
      ),
    );
    return [...new Set(items.flat().flatMap((item) => item.eventIds as string[]))];
  }

  async sweptUntil(): Promise<string | undefined> {
    const out = await this.options.doc.send(new GetCommand({ TableName: this.options.tableName, Key: CHECKPOINT, ConsistentRead: true }));
    return out.Item?.minute as string | undefined;
  }

  async createdAt(): Promise<string | undefined> {
    const out = await this.options.doc.send(new DescribeTableCommand({ TableName: this.options.tableName }));
    return out.Table?.CreationDateTime?.toISOString();
  }

  async setSweptUntil(minute: string): Promise<void> {
    await this.options.doc.send(new PutCommand({ TableName: this.options.tableName, Item: { ...CHECKPOINT, minute } }));
  }
}
