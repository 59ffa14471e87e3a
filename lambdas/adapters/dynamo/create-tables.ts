// Creates the tables from the shared definitions, for the local runtime and the storage tests. In AWS
// the CDK stack owns the tables; nothing here runs there.
import {
  CreateTableCommand,
  DescribeTableCommand,
  type AttributeDefinition,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type KeySchemaElement,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { isAwsError } from './aws-errors';
import { tableDefinitions, type KeyDefinition, type TableDefinition } from '../../storage/tables';
import type { TableNames } from './table-names';

const POLL_MS = 50;
const ACTIVE_TIMEOUT_MS = 60_000;

function keySchema(partitionKey: KeyDefinition, sortKey: KeyDefinition | undefined): KeySchemaElement[] {
  const schema: KeySchemaElement[] = [{ AttributeName: partitionKey.name, KeyType: 'HASH' }];
  if (sortKey) schema.push({ AttributeName: sortKey.name, KeyType: 'RANGE' });
  return schema;
}

export function createTableInput(def: TableDefinition, tableName: string): CreateTableCommandInput {
  // CreateTable wants each key attribute declared once, even when the table and an index share it.
  const attributes = new Map<string, AttributeDefinition>();
  const declare = (key: KeyDefinition | undefined) => {
    if (key) attributes.set(key.name, { AttributeName: key.name, AttributeType: key.type });
  };
  declare(def.partitionKey);
  declare(def.sortKey);
  for (const index of def.indexes) {
    declare(index.partitionKey);
    declare(index.sortKey);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes.values()],
    KeySchema: keySchema(def.partitionKey, def.sortKey),
    ...(def.indexes.length > 0
      ? {
          GlobalSecondaryIndexes: def.indexes.map((index) => ({
            IndexName: index.indexName,
            KeySchema: keySchema(index.partitionKey, index.sortKey),
            Projection:
              typeof index.projection === 'string'
                ? { ProjectionType: index.projection }
                : { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projection.include] },
          })),
        }
      : {}),
  };
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) return undefined;
    throw error;
  }
}

function isActive(table: TableDescription | undefined): boolean {
  return table?.TableStatus === 'ACTIVE' && (table.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
}

async function ensureTable(client: DynamoDBClient, def: TableDefinition, tableName: string): Promise<void> {
  let table = await describe(client, tableName);
  if (!table) {
    try {
      table = (await client.send(new CreateTableCommand(createTableInput(def, tableName)))).TableDescription;
    } catch (error) {
      // Another process (a second local runtime, a parallel test) created it first: just wait for it.
      if (!isAwsError(error, 'ResourceInUseException')) throw error;
    }
  }
  const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
  while (!isActive(table)) {
    if (Date.now() > deadline) throw new Error(`table ${tableName} did not become ACTIVE within ${ACTIVE_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    table = await describe(client, tableName);
  }
}

/** Creates every table of `tableDefinitions` that does not exist yet and waits until all are ACTIVE. */
export async function ensureTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  await Promise.all(tableDefinitions.map((def) => ensureTable(client, def, names[def.id])));
}
