// The DynamoDB API served by dynalite inside the runtime's process, stored on disk (LevelDB) under
// the data folder, with the service's tables created from the one table definition the stack uses.
// It listens on a free loopback port that only the runtime's own clients use.
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ensureTables } from '../lambdas/adapters/dynamo/create-tables';
import type { TableNames } from '../lambdas/adapters/dynamo/table-names';
import { createAwsClients } from '../lambdas/wiring/aws-clients';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localTableNames } from './config';
import { closeLevelIteratorsOnReturn } from './level-iterators';
// Typed by ./dynalite.d.ts.
import dynalite = require('dynalite');

export interface LocalDynamo {
  endpoint: string;
  /** Waits for the store's pending writes and closes it. */
  close(): Promise<void>;
}

/**
 * dynalite on a free loopback port with the service's tables under `tableNames`, creating those
 * that do not exist yet; on disk under `path`, in memory without it. The tests start theirs here too.
 */
export async function serveDynalite(tableNames: TableNames, path?: string): Promise<LocalDynamo> {
  // Bounds what the store's iterators hold (a leak under steady load: local/level-iterators.ts).
  closeLevelIteratorsOnReturn();
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));

  const { dynamodb } = createAwsClients({ region: LOCAL_REGION, endpoints: { dynamodb: endpoint }, credentials: LOCAL_CREDENTIALS });
  try {
    await ensureTables(dynamodb, tableNames);
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  } finally {
    dynamodb.destroy();
  }
  return { endpoint, close };
}

/** Starts dynalite on `<dataDir>/dynamodb` and creates the tables that do not exist yet. */
export async function startDynamo(dataDir: string): Promise<LocalDynamo> {
  const path = join(dataDir, 'dynamodb');
  mkdirSync(path, { recursive: true });
  try {
    return await serveDynalite(localTableNames, path);
  } catch (error) {
    throw new Error(`could not open the local DynamoDB store in ${path}: ${(error as Error).message}`, { cause: error });
  }
}
