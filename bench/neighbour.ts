// bench:neighbour: does one bad receiver slow the others?
// (a) The local runtime with its defaults, 400 events at 40/s to two subscriptions: the healthy
//     receiver's publish -> received latency next to a receiver that never answers, against the
//     healthy receiver alone (target: p50 and p95 at most 1.5x).
// (b) The AWS sender pool, simulated: the real sender handlers (each instance its own deps, one batch
//     of 10 at a time), senderMaxConcurrency of them on the main lane and the slow lane's reserved
//     ones, the production 5 s attempt timeout, 100 subscriptions of which one hangs and one answers
//     in 4 s. AWS is the counting fakes; HTTP is real. Throughput to the healthy 98 against the same
//     pool with all 100 healthy (target >= 0.9x), and the Lambda GB-seconds spent waiting on the bad two.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { silentLog } from '../lambdas/domain/log';
import type { HttpResult, WebhookClient, WebhookRequest } from '../lambdas/domain/ports';
import { createIngestHandler } from '../lambdas/handlers/ingest';
import { createSubscriptionsHandler } from '../lambdas/handlers/subscriptions';
import { createSenderHandler } from '../lambdas/handlers/sender';
import { buildIngestDeps, buildSendDeps, buildSubscriptionDeps } from '../lambdas/wiring/deps';
import { functionSpecs, SLOW_SENDER_CONCURRENCY } from '../lib/functions';
import { startRuntime } from '../local/runtime';
import { positive } from './lib/env';
import { writeResult } from './lib/results';
import { fmt, percentile, sum, table } from './lib/stats';
import { DELIVERIES_QUEUE_URL, EVENTS_QUEUE_URL, sampleBody, eventBody, sqsEvent, World } from './lib/world';
import { localCredentials } from '../local/local-aws';
import { invokeLocal } from './lib/invoke-local';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Receivers on 127.0.0.1: `ok` answers 200 at once, `hang` never answers, `slow` answers 200 after 4 s. */
async function receiver(
  kind: 'ok' | 'hang' | 'slow',
  onRequest?: (body: string, at: number) => void,
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      onRequest?.(Buffer.concat(chunks).toString(), Date.now());
      if (kind === 'hang') return;
      setTimeout(() => res.end('ok'), kind === 'slow' ? 4_000 : 0);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((done) => server.close(() => done()));
}

// ---------------------------------------------------------------------------------------------- (a)

async function localLatencies(withHanging: boolean, events: number, ratePerSecond: number): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-neighbour-'));
  const received = new Map<string, number>();
  const healthy = await receiver('ok', (body, at) => received.set((JSON.parse(body) as { id: string }).id, at));
  const hanging = await receiver('hang');
  // Defaults: nothing set but the port and a fresh data folder, as a new user's `npm start`.
  const runtime = await startRuntime({ env: { PORT: '0', DATA_DIR: dir }, log: silentLog });
  const sqs = new SQSClient({ endpoint: runtime.url, region: 'local', credentials: localCredentials() });
  try {
    const subscribe = createSubscriptionsInvoker(runtime.url);
    await subscribe(`${healthy.url}/hook`);
    if (withHanging) await subscribe(`${hanging.url}/hook`);
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'events' }));
    const published = new Map<string, number>();
    const sample = sampleBody('donation');
    const start = Date.now();
    for (let i = 0; i < events; i += 1) {
      const due = start + (i * 1000) / ratePerSecond;
      if (due > Date.now()) await sleep(due - Date.now());
      const id = `n-${withHanging ? 'h' : 'a'}-${i}`;
      published.set(id, Date.now());
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: eventBody(sample, id) }));
    }
    const deadline = Date.now() + 180_000;
    while (received.size < events && Date.now() < deadline) await sleep(50);
    if (received.size < events) throw new Error(`only ${received.size} of ${events} events reached the healthy receiver`);
    return [...published].map(([id, at]) => received.get(id)! - at);
  } finally {
    sqs.destroy();
    await runtime.stop();
    await Promise.all([close(healthy.server), close(hanging.server)]);
    rmSync(dir, { recursive: true, force: true });
  }
}

function createSubscriptionsInvoker(baseUrl: string) {
  return async (url: string): Promise<void> => {
    await invokeLocal(baseUrl, 'subscriptions', { action: 'create', url });
  };
}

// ---------------------------------------------------------------------------------------------- (b)

const SLOW_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/bench-slow-deliveries';
const SENDER_GB = functionSpecs.sender.memorySize / 1024;

interface PoolResult {
  healthyDelivered: number;
  seconds: number;
  throughput: number;
  invocations: number;
  gbSeconds: number;
  /** Invocation time after its last healthy POST ended (or all of it, without one): spent on the bad receivers only. */
  waitingGbSeconds: number;
  slowLaneInvocations: number;
}

/** Records, per webhook client, when each POST to a healthy receiver ended. */
class TimedWebhook implements WebhookClient {
  lastHealthyEnd = 0;
  constructor(
    private readonly inner: WebhookClient,
    private readonly healthyPrefix: string,
  ) {}
  async post(request: WebhookRequest): Promise<HttpResult> {
    const result = await this.inner.post(request);
    if (request.url.startsWith(this.healthyPrefix)) this.lastHealthyEnd = Date.now();
    return result;
  }
}

interface Pool {
  world: World;
  ok: string;
  bad: string[];
}

/** 100 subscriptions (98 to the healthy receiver, one hanging, one at 4 s, or all healthy) and `events` events fanned out to them. */
async function setUpPool(world: World, urls: { ok: string; hang: string; slow: string }, withBad: boolean, events: number): Promise<Pool> {
  const subscriptions = createSubscriptionsHandler(buildSubscriptionDeps(world.env, world.infra(silentLog)));
  for (let i = 0; i < 100; i += 1) {
    const url = withBad && i === 98 ? `${urls.hang}/hook` : withBad && i === 99 ? `${urls.slow}/hook` : `${urls.ok}/hook/${i}`;
    await subscriptions({ action: 'create', url });
  }
  // Fan-out first (not timed): every delivery waits in the main lane, as after a burst of events.
  const ingest = createIngestHandler(buildIngestDeps(world.env, world.infra(silentLog)));
  const sample = sampleBody('donation');
  for (let i = 0; i < events; i += 10) {
    const bodies = Array.from({ length: Math.min(10, events - i) }, (_, k) => eventBody(sample, `pool-${i + k}`));
    await ingest(sqsEvent(bodies));
  }
  world.sqs.take(EVENTS_QUEUE_URL, Number.MAX_SAFE_INTEGER);
  return { world, ok: urls.ok, bad: withBad ? [urls.hang, urls.slow] : [] };
}

interface Invocations {
  count: number;
  slowLane: number;
  busyMs: number[];
  waitingMs: number[];
}

/** One sender instance, as Lambda runs it: its own deps and caches, one batch of 10 at a time, until `end`. */
async function runInstance(pool: Pool, lane: 'main' | 'slow', end: number, out: Invocations): Promise<void> {
  const deps = buildSendDeps(pool.world.env, pool.world.infra(silentLog));
  const timed = new TimedWebhook(deps.webhook, `${pool.ok}/`);
  const handler = createSenderHandler({ ...deps, webhook: timed, lane });
  const queue = lane === 'main' ? DELIVERIES_QUEUE_URL : SLOW_QUEUE_URL;
  while (Date.now() < end) {
    const batch = pool.world.sqs.take(queue, 10);
    if (batch.length === 0) {
      await sleep(20);
      continue;
    }
    const started = Date.now();
    timed.lastHealthyEnd = 0;
    await handler(sqsEvent(batch.map((m) => m.body)));
    const ended = Date.now();
    if (ended > end) continue;
    out.count += 1;
    if (lane === 'slow') out.slowLane += 1;
    out.busyMs.push(ended - started);
    out.waitingMs.push(ended - Math.max(started, timed.lastHealthyEnd));
  }
  await (deps.webhook as { close?: () => Promise<void> }).close?.();
}

/** Deliveries to the healthy receivers completed in (from, to]. */
function healthyDelivered(pool: Pool, from: number, to: number): number {
  const inWindow = (d: Record<string, unknown>) =>
    d.status === 'delivered' && Date.parse(String(d.completedAt)) > from && Date.parse(String(d.completedAt)) <= to;
  const all = pool.world.dynamo.items('deliveries').filter(inWindow).length;
  return all - countDeliveredTo(pool.world, pool.bad, from, to);
}

async function senderPool(
  withBad: boolean,
  events: number,
  seconds: number,
  mainInstances: number,
  slowInstances: number,
): Promise<PoolResult> {
  const world = new World({ env: { SLOW_DELIVERIES_QUEUE_URL: SLOW_QUEUE_URL } });
  const [ok, hang, slow] = [await receiver('ok'), await receiver('hang'), await receiver('slow')];
  try {
    const pool = await setUpPool(world, { ok: ok.url, hang: hang.url, slow: slow.url }, withBad, events);
    const out: Invocations = { count: 0, slowLane: 0, busyMs: [], waitingMs: [] };
    const started = Date.now();
    const end = started + seconds * 1000;
    await Promise.all([
      ...Array.from({ length: mainInstances }, () => runInstance(pool, 'main', end, out)),
      ...Array.from({ length: slowInstances }, () => runInstance(pool, 'slow', end, out)),
    ]);
    const delivered = healthyDelivered(pool, 0, end);
    return {
      healthyDelivered: delivered,
      seconds,
      throughput: delivered / seconds,
      invocations: out.count,
      gbSeconds: (sum(out.busyMs) / 1000) * SENDER_GB,
      waitingGbSeconds: (sum(out.waitingMs) / 1000) * SENDER_GB,
      slowLaneInvocations: out.slowLane,
    };
  } finally {
    await Promise.all([ok, hang, slow].map((r) => close(r.server)));
  }
}

/** Deliveries to the given receivers completed in (from, to] (the 4 s one does answer 200). */
function countDeliveredTo(world: World, urls: string[], from: number, to: number): number {
  if (urls.length === 0) return 0;
  const subscriptions = world.dynamo.items('subscriptions').filter((s) => urls.some((u) => String(s.url).startsWith(u)));
  const ids = new Set(subscriptions.map((s) => String(s.id)));
  return world.dynamo
    .items('deliveries')
    .filter((d) => ids.has(String(d.subscriptionId)) && d.status === 'delivered')
    .filter((d) => Date.parse(String(d.completedAt)) > from && Date.parse(String(d.completedAt)) <= to).length;
}

// ------------------------------------------------------------------------------------------- main

async function main(): Promise<void> {
  const events = positive('BENCH_EVENTS', 400);
  const rate = positive('BENCH_RATE', 40);
  const poolSeconds = positive('BENCH_POOL_SECONDS', 30);
  const poolEvents = positive('BENCH_POOL_EVENTS', 300);
  const mainInstances = positive('BENCH_SENDERS', 20);
  const slowInstances = positive('BENCH_SLOW_SENDERS', SLOW_SENDER_CONCURRENCY);

  console.log(`(a) local runtime, defaults, ${events} events at ${rate}/s, healthy receiver alone vs next to a hanging one`);
  const alone = await localLatencies(false, events, rate);
  const next = await localLatencies(true, events, rate);
  const a = {
    alone: { p50: percentile(alone, 50), p95: percentile(alone, 95) },
    next: { p50: percentile(next, 50), p95: percentile(next, 95) },
  };
  const ratios = { p50: a.next.p50 / a.alone.p50, p95: a.next.p95 / a.alone.p95 };
  console.log(
    table([
      ['', 'p50 ms', 'p95 ms'],
      ['healthy receiver alone', fmt(a.alone.p50), fmt(a.alone.p95)],
      ['next to a hanging receiver', fmt(a.next.p50), fmt(a.next.p95)],
      ['ratio (target <= 1.5)', fmt(ratios.p50, 2), fmt(ratios.p95, 2)],
    ]),
  );

  console.log(
    `\n(b) simulated AWS sender pool: ${mainInstances} main + ${slowInstances} slow-lane instances, batches of 10, 5 s timeout, ` +
      `${poolEvents} events x 100 subscriptions, ${poolSeconds} s each`,
  );
  const healthy = await senderPool(false, poolEvents, poolSeconds, mainInstances, slowInstances);
  const bad = await senderPool(true, poolEvents, poolSeconds, mainInstances, slowInstances);
  const healthy98 = healthy.throughput * 0.98;
  console.log(
    table([
      ['', 'deliveries/s to the healthy 98', 'invocations', 'slow-lane invocations', 'GB-s', 'GB-s waiting on the bad two'],
      ['all 100 healthy', fmt(healthy98, 1), healthy.invocations, healthy.slowLaneInvocations, fmt(healthy.gbSeconds, 1), '-'],
      [
        'one hangs, one takes 4 s',
        fmt(bad.throughput, 1),
        bad.invocations,
        bad.slowLaneInvocations,
        fmt(bad.gbSeconds, 1),
        fmt(bad.waitingGbSeconds, 1),
      ],
      ['ratio (target >= 0.9)', fmt(bad.throughput / healthy98, 2), '', '', '', ''],
    ]),
  );
  writeResult('neighbour', { events, rate, a, ratios, pool: { healthy, bad, ratio: bad.throughput / healthy98 } });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
