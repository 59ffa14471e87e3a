// dynalite (the real DynamoDB wire API) listening on a free loopback port: in memory, or on LevelDB
// under `path`. The runtime runs it in a worker thread (./dynalite-worker.ts); the tests' in-memory
// stores run it in their own thread.
import type { AddressInfo } from 'node:net';
import { closeLevelIteratorsOnReturn } from './level-iterators';
// Typed by ./dynalite.d.ts.
import dynalite = require('dynalite');

export interface DynaliteServer {
  port: number;
  /** Stops listening and closes the store once its pending writes are done. */
  close(): Promise<void>;
}

export async function listenDynalite(path?: string): Promise<DynaliteServer> {
  // Bounds what the store's iterators hold (a leak under steady load: ./level-iterators.ts).
  closeLevelIteratorsOnReturn();
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
