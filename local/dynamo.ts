// The DynamoDB API served by dynalite in a worker thread of the runtime's process (./dynalite-worker.ts),
// stored on disk (LevelDB) under the data folder, with the service's tables created from the one
// table definition the stack uses. It listens on a free loopback port that only the runtime's own
// clients use.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ensureTables } from '../lambdas/adapters/dynamo/create-tables';
import type { TableNames } from '../lambdas/adapters/dynamo/table-names';
import { createAwsClients } from '../lambdas/wiring/aws-clients';
import { localCredentials, LOCAL_REGION, localTableNames } from './config';
import { listenDynalite, type DynaliteServer } from './dynalite-server';
import type { DynaliteWorkerData, DynaliteWorkerMessage } from './dynalite-worker';

export interface LocalDynamo {
  endpoint: string;
  /** Waits for the store's pending writes and closes it. */
  close(): Promise<void>;
}

export interface DynaliteOptions {
  /** The LevelDB folder; in memory without one. */
  path?: string;
  /** In a worker thread (the runtime) or in the caller's (the tests' in-memory stores, which start in a fifth of the time). */
  thread: 'worker' | 'caller';
}

/**
 * dynalite on a free loopback port with the service's tables under `tableNames`, creating those
 * that do not exist yet. The tests start theirs here too.
 */
export async function serveDynalite(tableNames: TableNames, options: DynaliteOptions): Promise<LocalDynamo> {
  const server = options.thread === 'worker' ? await listenInWorker(options.path) : await listenDynalite(options.path);
  const endpoint = `http://127.0.0.1:${server.port}`;
  const close = () => server.close();

  const { dynamodb } = createAwsClients({ region: LOCAL_REGION, endpoints: { dynamodb: endpoint }, credentials: localCredentials() });
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

/**
 * The worker runs TypeScript like the rest of the runtime: it registers tsx's require hook itself,
 * so it starts the same under `npm start` and inside the test runner.
 */
const WORKER_BOOTSTRAP = `const { workerData } = require('node:worker_threads'); require(workerData.tsx); require(workerData.entry);`;

async function listenInWorker(path: string | undefined): Promise<DynaliteServer> {
  const data: DynaliteWorkerData = { path, tsx: require.resolve('tsx/cjs'), entry: join(__dirname, 'dynalite-worker.ts') };
  // No inherited flags: the runtime's V8 and loader flags (package.json `start`) are the process's, not the worker's.
  const worker = new Worker(WORKER_BOOTSTRAP, { eval: true, workerData: data, execArgv: [] });
  const next = () =>
    new Promise<DynaliteWorkerMessage>((resolve, reject) => {
      const onExit = (code: number) => reject(new Error(`the DynamoDB worker exited with ${code}`));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', (message: DynaliteWorkerMessage) => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        resolve(message);
      });
    });
  const first = await next();
  if (first.kind !== 'listening') {
    await worker.terminate();
    throw new Error(first.kind === 'failed' ? first.error : 'the DynamoDB worker closed before it listened');
  }
  const close = async () => {
    worker.postMessage('close');
    const last = await next();
    await worker.terminate();
    if (last.kind === 'failed') throw new Error(last.error);
  };
  return { port: first.port, close };
}

/** Starts dynalite on `<dataDir>/dynamodb` and creates the tables that do not exist yet. */
export async function startDynamo(dataDir: string): Promise<LocalDynamo> {
  const path = join(dataDir, 'dynamodb');
  mkdirSync(path, { recursive: true });
  try {
    return await serveDynalite(localTableNames, { path, thread: 'worker' });
  } catch (error) {
    throw new Error(`could not open the local DynamoDB store in ${path}: ${(error as Error).message}`, { cause: error });
  }
}
