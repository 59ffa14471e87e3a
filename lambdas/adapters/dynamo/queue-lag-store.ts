// The senders' reported queue lateness (queue-lag.ts), one item per lane in the fan-out log table,
// beside the sweeper's checkpoint: the sweeper is its only reader.
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Lane } from '../../domain/lanes';
import type { QueueLag, QueueLagStore } from '../../domain/queue-lag';
import { isConditionalCheckFailed } from './aws-errors';

/** The items' partition key: the senders may write these items of the table and no other. */
export const QUEUE_LAG_BUCKET = 'queue-lag';

const keyOf = (lane: Lane) => ({ bucket: QUEUE_LAG_BUCKET, batchId: lane });

export class DynamoQueueLagStore implements QueueLagStore {
  constructor(private readonly options: { doc: DynamoDBDocumentClient; tableName: string }) {}

  async record(lane: Lane, lag: QueueLag, staleBefore: Date): Promise<void> {
    try {
      await this.options.doc.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: keyOf(lane),
          UpdateExpression: 'SET lagMs = :lag, #at = :at',
          // Instances report at their own times: the largest recent report stands until it goes stale.
          ConditionExpression: 'attribute_not_exists(lagMs) OR lagMs <= :lag OR #at < :stale',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':lag': lag.lagMs, ':at': lag.at, ':stale': staleBefore.toISOString() },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async latest(lane: Lane): Promise<QueueLag | undefined> {
    const out = await this.options.doc.send(new GetCommand({ TableName: this.options.tableName, Key: keyOf(lane) }));
    const item = out.Item as { lagMs?: number; at?: string } | undefined;
    return item?.lagMs === undefined || item.at === undefined ? undefined : { lagMs: item.lagMs, at: item.at };
  }
}
