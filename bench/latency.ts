// Idle latency, publish -> delivered, on `npm start`: the local runtime in its own process group as a
// user starts it, a real receiver on 127.0.0.1 in this process, one subscription, and events
// published one at a time with a pause between them (an idle service, no queueing), alternately
// through the runtime's SQS endpoint with the real SQSClient (SendMessage) and through POST /events.
// Latency = the receiver has the whole request minus the moment just before the publish call; both
// ends are in this process, on one clock. The runtime's own work (ingest, DynamoDB in dynalite, the
// sender) runs in its process; the figure includes its pollers' hand-over.
//
//   npm run bench:latency     (BENCH_LATENCY_EVENTS=200 per path, BENCH_LATENCY_GAP_MS=100,
//                              BENCH_LATENCY_PORT=4710: the runtime's port)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { positive } from './lib/env';
import { writeResult } from './lib/results';
import { fmt, percentile, table } from './lib/stats';
import { eventBody, sampleBody } from './lib/world';
import { localCredentials } from '../local/local-aws';
import { invokeLocal } from './lib/invoke-local';

const EVENTS = positive('BENCH_LATENCY_EVENTS', 200);
const GAP_MS = positive('BENCH_LATENCY_GAP_MS', 100);
const PORT = positive('BENCH_LATENCY_PORT', 4710);
const GOAL_P50_MS = 50;
const DELIVERY_LIMIT_MS = 10_000;
const now = () => performance.now();

/** A receiver that resolves the waiter of each webhook-id when its whole request has arrived. */
function startReceiver(): Promise<{ server: Server; port: number; arrival(id: string): Promise<number> }> {
  const waiters = new Map<string, (at: number) => void>();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const at = now();
      res.writeHead(200, { 'content-length': '0' }).end();
      const id = String(req.headers['webhook-id'] ?? '');
      waiters.get(id)?.(at);
      waiters.delete(id);
    });
  });
  const arrival = (id: string) =>
    new Promise<number>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`delivery ${id} did not arrive within ${DELIVERY_LIMIT_MS} ms`)), DELIVERY_LIMIT_MS);
      waiters.set(id, (at) => {
        clearTimeout(timer);
        done(at);
      });
    });
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => done({ server, port: (server.address() as AddressInfo).port, arrival })),
  );
}

/** `npm start` in its own process group (so its tsx child stops with it), output discarded. */
async function startRuntime(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn('npm', ['start'], {
    cwd: resolve(__dirname, '..'),
    env: { ...process.env, PORT: String(PORT), DATA_DIR: dataDir },
    stdio: 'ignore',
    detached: true,
  });
  const url = `http://127.0.0.1:${PORT}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode} (is port ${PORT} free? BENCH_LATENCY_PORT)`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { child, url };
    if (Date.now() > deadline) throw new Error('npm start did not answer /health within 120 s');
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function createSubscription(url: string, target: string): Promise<string> {
  const out = await invokeLocal<{ subscription?: { id: string } }>(url, 'subscriptions', { action: 'create', url: target });
  if (!out.subscription) throw new Error(`could not create the subscription: ${JSON.stringify(out)}`);
  return out.subscription.id;
}

type Path = 'SQS SendMessage' | 'POST /events';

async function measure(
  url: string,
  receiver: Awaited<ReturnType<typeof startReceiver>>,
  subscriptionId: string,
): Promise<Map<Path, number[]>> {
  const sqs = new SQSClient({ endpoint: url, region: 'local', credentials: localCredentials() });
  const { QueueUrl: queueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'events' }));
  const sample = sampleBody('donation');
  const publish: Record<Path, (body: string) => Promise<unknown>> = {
    'SQS SendMessage': (body) => sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body })),
    'POST /events': (body) =>
      fetch(`${url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => {
        if (!r.ok) throw new Error(`POST /events answered ${r.status}`);
        return r.arrayBuffer();
      }),
  };
  const results = new Map<Path, number[]>([
    ['SQS SendMessage', []],
    ['POST /events', []],
  ]);
  const warm = 10;
  for (let i = 0; i < 2 * EVENTS + warm; i += 1) {
    const path: Path = i % 2 === 0 ? 'SQS SendMessage' : 'POST /events';
    const eventId = `lat-${process.pid}-${i}`;
    const arrived = receiver.arrival(`${eventId}.${subscriptionId}`);
    const start = now();
    await publish[path](eventBody(sample, eventId));
    const at = await arrived;
    if (i >= warm) results.get(path)!.push(at - start);
    await new Promise((r) => setTimeout(r, GAP_MS));
  }
  sqs.destroy();
  return results;
}

async function main(): Promise<void> {
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-webhooks-latency-'));
  const receiver = await startReceiver();
  let runtime: Awaited<ReturnType<typeof startRuntime>> | undefined;
  try {
    runtime = await startRuntime(dataDir);
    const subscriptionId = await createSubscription(runtime.url, `http://127.0.0.1:${receiver.port}/hook`);
    const results = await measure(runtime.url, receiver, subscriptionId);
    const rows: Array<Array<string | number>> = [['published through', 'events', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms']];
    for (const [path, list] of results)
      rows.push([
        path,
        list.length,
        fmt(percentile(list, 50), 1),
        fmt(percentile(list, 95), 1),
        fmt(percentile(list, 99), 1),
        fmt(Math.max(...list), 1),
      ]);
    console.log(
      `idle latency publish -> delivered on npm start (port ${PORT}, one subscription, receiver on 127.0.0.1, ` +
        `${GAP_MS} ms between events, after ${10} warm-up events)`,
    );
    console.log(table(rows));
    const all = [...results.values()].flat();
    const p50 = percentile(all, 50);
    console.log(
      `both paths: p50 ${fmt(p50, 1)} ms, p95 ${fmt(percentile(all, 95), 1)} ms, p99 ${fmt(percentile(all, 99), 1)} ms; ` +
        `goal p50 <= ${GOAL_P50_MS} ms: ${p50 <= GOAL_P50_MS ? 'met' : 'MISSED'}`,
    );
    console.log(`total ${Math.round((Date.now() - started) / 1000)} s`);
    writeResult('latency', { gapMs: GAP_MS, results: Object.fromEntries(results) });
  } finally {
    if (runtime?.child.pid !== undefined && runtime.child.exitCode === null) {
      const exited = new Promise((r) => runtime!.child.once('exit', r));
      process.kill(-runtime.child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    }
    receiver.server.closeAllConnections();
    receiver.server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
