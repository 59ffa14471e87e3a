// An in-process dynalite (the real DynamoDB wire API) on 127.0.0.1, with the service's tables.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTables } from '../../lambdas/adapters/dynamo/create-tables';
import type { TableNames } from '../../lambdas/adapters/dynamo/table-names';

interface DynaliteOptions {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}

// dynalite ships no type declarations; this is the one function of it we call.
const dynalite = require('dynalite') as (options: DynaliteOptions) => Server;

export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBClient;
  tableNames: TableNames;
  close(): Promise<void>;
}

/** Starts dynalite on a free port and creates every table under names unique to this call. */
export async function startDynalite(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    region: 'local',
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const suffix = randomBytes(4).toString('hex');
  const tableNames: TableNames = {
    subscriptions: `subscriptions-${suffix}`,
    events: `events-${suffix}`,
    deliveries: `deliveries-${suffix}`,
    attempts: `attempts-${suffix}`,
    fanouts: `fanouts-${suffix}`,
    limits: `limits-${suffix}`,
  };
  const close = async () => {
    client.destroy();
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  };
  try {
    await ensureTables(client, tableNames);
  } catch (error) {
    await close();
    throw error;
  }
  return { endpoint, client, tableNames, close };
}
