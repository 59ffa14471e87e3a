// dynalite (the real DynamoDB wire API) in a process of its own, forked by the benchmarks that drive
// the real AWS SDK: the SDK's marshalling, middleware, signing and HTTP run in the benchmark's
// process and are counted there; the storage work runs here, on the other core. In memory, bound to
// 127.0.0.1 on a free port, with the benchmark tables (bench/lib/world.ts TABLES) created from the
// stack's table definitions. Talks to the parent over IPC only.
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTables } from '../../lambdas/adapters/dynamo/create-tables';
import { TABLES } from './world';
// Typed by local/dynalite.d.ts.
import dynalite = require('dynalite');
import { localCredentials } from '../../local/local-aws';

async function main(): Promise<void> {
  if (!process.send) throw new Error('dynalite-process must be forked (it reports its endpoint over IPC)');
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ region: 'local', endpoint, credentials: localCredentials() });
  await ensureTables(client, TABLES);
  client.destroy();
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'cpu') {
      const used = process.cpuUsage();
      process.send!({ type: 'cpu', cpuUs: used.user + used.system });
    }
  });
  // The parent going away (normally or not) ends dynalite: no orphan keeps the port.
  process.on('disconnect', () => server.close(() => process.exit(0)));
  process.send({ type: 'ready', endpoint });
}

void main();
