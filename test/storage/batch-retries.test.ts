// What DynamoDB does under throttling and dynalite never does: leave part of a batch read unprocessed.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDeliveryRepository } from '../../lambdas/adapters/dynamo/delivery-repository';
import { createDocumentClient } from '../../lambdas/adapters/dynamo/document-client';
import { deliveryToItem } from '../../lambdas/adapters/dynamo/delivery-items';
import { newDelivery, newEventId, newSubscriptionId, RETENTION_DAYS } from './fixtures';

const tables = { events: 'events', deliveries: 'deliveries', attempts: 'attempts' };
const docMock = mockClient(DynamoDBDocumentClient);
// The client classes outlive this file where test files share a worker: leave them unmocked.
afterAll(() => {
  docMock.restore();
});
const repo = new DynamoDeliveryRepository({
  doc: createDocumentClient(new DynamoDBClient({ region: 'local' })),
  tables,
  retentionDays: RETENTION_DAYS,
});

afterEach(() => {
  docMock.reset();
});

function deliveries(count: number) {
  const eventId = newEventId();
  return Array.from({ length: count }, () => newDelivery(eventId, newSubscriptionId()));
}

describe('getMany under throttling', () => {
  it('reads the unprocessed keys again and answers in the order asked', async () => {
    const list = deliveries(3);
    const [a, b, c] = list.map((d) => deliveryToItem(d, RETENTION_DAYS));
    docMock
      .on(BatchGetCommand)
      .resolvesOnce({
        Responses: { deliveries: [c] },
        UnprocessedKeys: { deliveries: { Keys: [a, b].map((i) => ({ eventId: i.eventId, subscriptionId: i.subscriptionId })) } },
      })
      .resolves({ Responses: { deliveries: [b, a] } });

    expect(await repo.getMany(list.map((d) => d.deliveryId))).toEqual(list);
    expect(docMock.commandCalls(BatchGetCommand)).toHaveLength(2);
  });

  it('fails rather than answer "not found" for keys that stay unprocessed', async () => {
    const list = deliveries(1);
    const key = { eventId: list[0].eventId, subscriptionId: list[0].subscriptionId };
    docMock.on(BatchGetCommand).resolves({ Responses: { deliveries: [] }, UnprocessedKeys: { deliveries: { Keys: [key] } } });
    await expect(repo.getMany([list[0].deliveryId])).rejects.toThrow(/unprocessed/);
  });
});
