import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createTableInput, ensureTables } from '../../lambdas/adapters/dynamo/create-tables';
import { deliveriesTable, eventsTable, subscriptionsTable } from '../../lambdas/storage/tables';
import { startDynalite, type LocalDynamo } from '../support/dynalite';

let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startDynalite();
});

afterAll(async () => {
  await dynamo.close();
});

describe('createTableInput', () => {
  it('declares each key attribute once and builds the indexes with their projections', () => {
    const input = createTableInput(deliveriesTable, 'd');
    expect(input.BillingMode).toBe('PAY_PER_REQUEST');
    expect(input.AttributeDefinitions?.map((a) => a.AttributeName).sort()).toEqual(
      ['createdKey', 'deliveryId', 'nextAttemptAt', 'pendingShard', 'subscriptionShard'].sort(),
    );
    expect(input.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.Projection?.ProjectionType])).toEqual([
      ['bySubscription', 'KEYS_ONLY'],
      ['pending', 'KEYS_ONLY'],
    ]);
  });

  it("projects into the subscriptions' status index only what fan-out reads, so a circuit's counters cost no index write", () => {
    const [byStatus] = createTableInput(subscriptionsTable, 's').GlobalSecondaryIndexes ?? [];
    expect(byStatus.Projection).toEqual({ ProjectionType: 'INCLUDE', NonKeyAttributes: ['eventTypes', 'circuitState', 'slowUntil'] });
  });

  it('leaves out the index list of a table without indexes', () => {
    expect(createTableInput(eventsTable, 'e')).not.toHaveProperty('GlobalSecondaryIndexes');
  });
});

describe('ensureTables', () => {
  it('has created every table ACTIVE, and a second run changes nothing', async () => {
    await ensureTables(dynamo.client, dynamo.tableNames);
    const names = (await dynamo.client.send(new ListTablesCommand({}))).TableNames ?? [];
    expect(names.sort()).toEqual(Object.values(dynamo.tableNames).sort());
    const deliveries = await dynamo.client.send(new DescribeTableCommand({ TableName: dynamo.tableNames.deliveries }));
    expect(deliveries.Table?.TableStatus).toBe('ACTIVE');
    expect(deliveries.Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(['bySubscription', 'pending']);
  });

  it('creates a missing table set next to an existing one', async () => {
    const other = {
      subscriptions: 'subscriptions-2',
      events: 'events-2',
      deliveries: 'deliveries-2',
      attempts: 'attempts-2',
      fanouts: 'fanouts-2',
      limits: 'limits-2',
    };
    await ensureTables(dynamo.client, other);
    const names = (await dynamo.client.send(new ListTablesCommand({}))).TableNames ?? [];
    expect(names).toEqual(expect.arrayContaining([...Object.values(other), ...Object.values(dynamo.tableNames)]));
  });
});
