// An in-memory dynalite (the real DynamoDB wire API) on 127.0.0.1, with the service's tables, started
// the way the local runtime starts its own (local/dynamo.ts).
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TableNames } from '../../lambdas/adapters/dynamo/table-names';
import { serveDynalite } from '../../local/dynamo';
import { localCredentials, LOCAL_REGION } from '../../local/local-aws';

export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBClient;
  tableNames: TableNames;
  close(): Promise<void>;
}

/** Starts dynalite on a free port and creates every table under names unique to this call. */
export async function startDynalite(): Promise<LocalDynamo> {
  const suffix = randomBytes(4).toString('hex');
  const tableNames: TableNames = {
    subscriptions: `subscriptions-${suffix}`,
    events: `events-${suffix}`,
    deliveries: `deliveries-${suffix}`,
    attempts: `attempts-${suffix}`,
    fanouts: `fanouts-${suffix}`,
    limits: `limits-${suffix}`,
  };
  const server = await serveDynalite(tableNames, { thread: 'caller' });
  const client = new DynamoDBClient({ region: LOCAL_REGION, endpoint: server.endpoint, credentials: localCredentials() });
  const close = async () => {
    client.destroy();
    await server.close();
  };
  return { endpoint: server.endpoint, client, tableNames, close };
}
