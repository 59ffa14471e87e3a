// DynamoDB tables built from the one definition in lambdas/storage/tables.ts, which the local runtime
// and the storage tests also create theirs from: keys, indexes and TTL cannot drift between them.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import {
  tableDefinitions,
  type AttributeType,
  type IndexDefinition,
  type KeyDefinition,
  type TableDefinition,
} from '../lambdas/storage/tables';

export type TableId = TableDefinition['id'];

const attributeTypes: Record<AttributeType, dynamodb.AttributeType> = {
  S: dynamodb.AttributeType.STRING,
  N: dynamodb.AttributeType.NUMBER,
};

function projectionOf(
  projection: IndexDefinition['projection'],
): Pick<dynamodb.GlobalSecondaryIndexProps, 'projectionType' | 'nonKeyAttributes'> {
  if (projection === 'ALL') return { projectionType: dynamodb.ProjectionType.ALL };
  if (projection === 'KEYS_ONLY') return { projectionType: dynamodb.ProjectionType.KEYS_ONLY };
  return { projectionType: dynamodb.ProjectionType.INCLUDE, nonKeyAttributes: [...projection.include] };
}

export class Tables extends Construct {
  readonly byId: Record<TableId, dynamodb.Table>;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const byId: Partial<Record<TableId, dynamodb.Table>> = {};
    for (const definition of tableDefinitions) byId[definition.id] = buildTable(this, definition);
    this.byId = byId as Record<TableId, dynamodb.Table>;
  }
}

function buildTable(scope: Construct, definition: TableDefinition): dynamodb.Table {
  const table = new dynamodb.Table(scope, definition.id, {
    partitionKey: attribute(definition.partitionKey),
    sortKey: definition.sortKey && attribute(definition.sortKey),
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    timeToLiveAttribute: definition.ttlAttribute,
    // Delivery history and subscriptions outlive the stack: deleting it must not delete them.
    removalPolicy: RemovalPolicy.RETAIN,
  });
  for (const index of definition.indexes) {
    table.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: attribute(index.partitionKey),
      sortKey: index.sortKey && attribute(index.sortKey),
      ...projectionOf(index.projection),
    });
  }
  return table;
}

function attribute(key: KeyDefinition): dynamodb.Attribute {
  return { name: key.name, type: attributeTypes[key.type] };
}
