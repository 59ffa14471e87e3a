// The local runtime's DynamoDB in a worker thread: the storage work (dynalite's expression parsing,
// LevelDB reads and writes) runs beside the functions' event loop, not on it. At 40 events/s the
// runtime's one thread was 70-100 % busy with both; without the store it is about half that, so one
// receiver's extra work (deferrals, retries) no longer queues every other delivery behind it. The
// worker is a thread of the runtime's process: it ends with it (a kill -9 included).
import { parentPort, workerData } from 'node:worker_threads';
import { listenDynalite } from './dynalite-server';

/** What the runtime hands the worker: the LevelDB folder (in memory without one), and how to load this file. */
export interface DynaliteWorkerData {
  path?: string;
  /** tsx's require hook, registered before this file is loaded. */
  tsx: string;
  entry: string;
}

/** What the worker tells the runtime. */
export type DynaliteWorkerMessage = { kind: 'listening'; port: number } | { kind: 'failed'; error: string } | { kind: 'closed' };

async function serve(port: NonNullable<typeof parentPort>, data: DynaliteWorkerData): Promise<void> {
  const tell = (message: DynaliteWorkerMessage) => port.postMessage(message);
  try {
    const server = await listenDynalite(data.path);
    port.on('message', (message: unknown) => {
      if (message !== 'close') return;
      server.close().then(
        () => tell({ kind: 'closed' }),
        (error: unknown) => tell({ kind: 'failed', error: String(error) }),
      );
    });
    tell({ kind: 'listening', port: server.port });
  } catch (error) {
    tell({ kind: 'failed', error: error instanceof Error ? error.message : String(error) });
  }
}

if (parentPort) void serve(parentPort, workerData as DynaliteWorkerData);
