// Benchmark: end to end through the local runtime (startRuntime in this process: the
// unchanged handlers over dynalite and the in-process queues), events published with the AWS SDK's
// SendMessageBatch to its SQS endpoint, two subscriptions with receivers on 127.0.0.1 (a child
// process). Phase "healthy": every response 200. Phase "30 % failing": each response fails (500)
// with probability 0.3, decided from a seed per (webhook-id, arrival), with short retry waits; the
// attempts the policy must make are then known exactly beforehand and checked afterwards.
//
//   npm run bench:e2e         (BENCH_EVENTS=5000, BENCH_SENDER_CONCURRENCY=8, BENCH_SEED=6)
//   BENCH_EVENTS=300 npm run bench:e2e      (smoke run)
import { subscribe } from 'node:diagnostics_channel';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueUrlCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { chunk } from '../lambdas/domain/chunk';
import type { Log, LogFields } from '../lambdas/domain/log';
import type { Delivery } from '../lambdas/domain/types';
import { localCredentials, LOCAL_REGION } from '../local/local-aws';
import { startRuntime, type Runtime } from '../local/runtime';
import { forkChild } from './lib/child';
import { predictedAttempts } from './lib/failures';
import { writeResult } from './lib/results';
import { fmt, sortedPercentile, table } from './lib/stats';
import { eventBody, sampleBody } from './lib/world';
import { positive } from './lib/env';
import { invokeLocal } from './lib/invoke-local';

const EVENTS = positive('BENCH_EVENTS', 5_000);
const SENDER_CONCURRENCY = positive('BENCH_SENDER_CONCURRENCY', 8);
const SEED = positive('BENCH_SEED', 6);
/** Bound of one phase; the local runtime drains tens of deliveries per second here, so it grows with the count. */
const PHASE_LIMIT_MS = positive('BENCH_PHASE_LIMIT_MS', 60_000 + 150 * EVENTS);
const FAIL_RATE = 0.3;
const MAX_ATTEMPTS = 10;
const RETRY_BASE_DELAY_MS = 100;
const PUBLISH_IN_FLIGHT = 4;
const SUBSCRIPTIONS = 2;

const wallNow = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts what the handlers and the runtime log, by level and message, and keeps nothing else. */
class CountingLog implements Log {
  readonly counts = new Map<string, number>();
  private add(level: string, message: string, _fields?: LogFields): void {
    const key = `${level}: ${message}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  debug = (m: string, f?: LogFields) => this.add('debug', m, f);
  info = (m: string, f?: LogFields) => this.add('info', m, f);
  warn = (m: string, f?: LogFields) => this.add('warn', m, f);
  error = (m: string, f?: LogFields) => this.add('error', m, f);
}

/**
 * DynamoDB requests by operation, counted where dynalite receives them (the runtime creates its own
 * clients, so they are observed on the HTTP server side through Node's diagnostics channel).
 */
class DynamoRequestCounter {
  readonly counts = new Map<string, number>();
  active = false;
  constructor() {
    subscribe('http.server.request.start', (message) => {
      if (!this.active) return;
      const target = (message as { request: IncomingMessage }).request.headers['x-amz-target'];
      if (typeof target !== 'string' || !target.startsWith('DynamoDB_20120810.')) return;
      const op = target.slice('DynamoDB_20120810.'.length);
      this.counts.set(op, (this.counts.get(op) ?? 0) + 1);
    });
  }
}
const dynamoCounter = new DynamoRequestCounter();

interface ReceiverDump {
  requests: number;
  successes: number;
  failures: number;
  deliveries: Array<[string, { arrivals: number; deliveredAt?: number; afterSuccess: number }]>;
}

function invoke(runtime: Runtime, name: string, payload: unknown): Promise<Record<string, unknown>> {
  return invokeLocal(runtime.url, name, payload);
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) await work(items[i]);
    }),
  );
}

interface PhaseResult {
  phase: string;
  failRate: number;
  events: number;
  deliveries: number;
  publishMs: number;
  totalMs: number;
  eventsPerSecond: number;
  deliveriesPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  attempts: { receiver: number; predicted: number; analytical: number; recordedByRuntime: number; maxPerDelivery: number };
  outcome: {
    delivered: number;
    failed: number;
    pending: number;
    other: number;
    predictedFailed: number;
    attemptMismatches: number;
    afterSuccess: number;
  };
  dynamo: Record<string, number>;
  log: Record<string, number>;
}

async function phase(name: string, failRate: number): Promise<PhaseResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-e2e-'));
  const receivers = await forkChild<{ type: string; ports: number[] }>(join(__dirname, 'lib', 'receiver-process.ts'), {
    env: { ...process.env, BENCH_RECEIVERS: String(SUBSCRIPTIONS), BENCH_FAIL_RATE: String(failRate), BENCH_SEED: String(SEED) },
  });
  const log = new CountingLog();
  let runtime: Runtime | undefined;
  let client: SQSClient | undefined;
  try {
    runtime = await startRuntime({
      env: {
        PORT: '0',
        DATA_DIR: dir,
        SENDER_CONCURRENCY: String(SENDER_CONCURRENCY),
        RETRY_BASE_DELAY_MS: String(RETRY_BASE_DELAY_MS),
        MAX_ATTEMPTS: String(MAX_ATTEMPTS),
        RETRY_JITTER: '0',
        // The stack's grace (10 min), not the local 30 s: under a backlog of thousands the local value
        // would have the sweeper re-wake deliveries that are merely queued, which AWS would not do.
        SWEEP_GRACE_MS: '600000',
      },
      log,
    });
    const rt = runtime;
    const subscriptionIds: string[] = [];
    for (const port of receivers.first.ports) {
      const created = await invoke(rt, 'subscriptions', { action: 'create', url: `http://127.0.0.1:${port}/hook?token=e2e-bench-secret` });
      subscriptionIds.push((created.subscription as { id: string }).id);
    }
    client = new SQSClient({ endpoint: rt.url, region: LOCAL_REGION, credentials: localCredentials() });
    const publisher = client;
    const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: 'events' }));

    const sample = sampleBody('donation');
    const eventIds = Array.from({ length: EVENTS }, (_, i) => `e2e-${name.replace(/\W+/g, '')}-${i + 1}`);
    const deliveryIds = eventIds.flatMap((e) => subscriptionIds.map((s) => `${e}.${s}`));
    const predictions = new Map(deliveryIds.map((id) => [id, predictedAttempts(SEED, id, failRate, MAX_ATTEMPTS)]));
    const predictedDelivered = [...predictions.values()].filter((p) => p.delivered).length;
    const batches: string[][] = [];
    for (let i = 0; i < eventIds.length; i += 10) batches.push(eventIds.slice(i, i + 10));

    dynamoCounter.counts.clear();
    dynamoCounter.active = true;
    const publishedAt = new Map<string, number>();
    const start = wallNow();
    await pool(batches, PUBLISH_IN_FLIGHT, async (batch) => {
      const at = wallNow();
      for (const id of batch) publishedAt.set(id, at);
      const out = await publisher.send(
        new SendMessageBatchCommand({ QueueUrl, Entries: batch.map((id, i) => ({ Id: String(i), MessageBody: eventBody(sample, id) })) }),
      );
      if ((out.Failed ?? []).length > 0) throw new Error(`publish refused ${out.Failed!.length} events`);
    });
    const publishMs = wallNow() - start;

    const deadline = Date.now() + PHASE_LIMIT_MS;
    let progress = { successes: 0, requests: 0 };
    while (progress.successes < predictedDelivered) {
      if (Date.now() > deadline)
        throw new Error(`${name}: ${progress.successes} of ${predictedDelivered} deliveries arrived within ${PHASE_LIMIT_MS} ms`);
      await sleep(100);
      progress = await receivers.ask<{ successes: number; requests: number }>({ type: 'progress' }, 'progress');
    }
    // The runtime records each attempt after its response: wait until every delivery has concluded
    // (polling with reads of our own, which are not counted).
    await sleep(500);
    dynamoCounter.active = false;
    let stored: Delivery[] = [];
    for (;;) {
      stored = (await Promise.all(chunk(deliveryIds, 100).map((ids) => rt.deliveries.getMany(ids)))).flat();
      if (stored.length === deliveryIds.length && stored.every((d) => d.status !== 'pending')) break;
      if (Date.now() > deadline) break;
      await sleep(200);
    }
    const dump = await receivers.ask<ReceiverDump>({ type: 'dump' }, 'dump');
    const arrivals = new Map(dump.deliveries);

    const deliveredAt = deliveryIds.map((id) => arrivals.get(id)?.deliveredAt).filter((t): t is number => t !== undefined);
    const lastDelivered = Math.max(...deliveredAt);
    const latencies = deliveryIds
      .flatMap((id) => {
        const at = arrivals.get(id)?.deliveredAt;
        const published = publishedAt.get(id.slice(0, id.lastIndexOf('.')));
        return at === undefined || published === undefined ? [] : [at - published];
      })
      .sort((a, b) => a - b);
    const totalMs = lastDelivered - start;
    const byStatus = (status: string) => stored.filter((d) => d.status === status).length;
    let attemptMismatches = 0;
    let recorded = 0;
    let maxPerDelivery = 0;
    for (const d of stored) {
      recorded += d.attemptCount;
      maxPerDelivery = Math.max(maxPerDelivery, d.attemptCount);
      const p = predictions.get(d.deliveryId)!;
      if (d.attemptCount !== (arrivals.get(d.deliveryId)?.arrivals ?? 0) || d.attemptCount !== p.attempts) attemptMismatches += 1;
    }
    const predicted = [...predictions.values()].reduce((n, p) => n + p.attempts, 0);
    return {
      phase: name,
      failRate,
      events: EVENTS,
      deliveries: deliveryIds.length,
      publishMs,
      totalMs,
      eventsPerSecond: (EVENTS / totalMs) * 1000,
      deliveriesPerSecond: (deliveredAt.length / totalMs) * 1000,
      latencyMs: {
        p50: sortedPercentile(latencies, 50),
        p95: sortedPercentile(latencies, 95),
        p99: sortedPercentile(latencies, 99),
        max: latencies[latencies.length - 1] ?? Number.NaN,
      },
      attempts: {
        receiver: dump.requests,
        predicted,
        analytical: deliveryIds.length / (1 - failRate),
        recordedByRuntime: recorded,
        maxPerDelivery,
      },
      outcome: {
        delivered: byStatus('delivered'),
        failed: byStatus('failed'),
        pending: byStatus('pending'),
        other: stored.length - byStatus('delivered') - byStatus('failed') - byStatus('pending'),
        predictedFailed: deliveryIds.length - predictedDelivered,
        attemptMismatches: attemptMismatches + (deliveryIds.length - stored.length),
        afterSuccess: dump.deliveries.reduce((n, [, d]) => n + d.afterSuccess, 0),
      },
      dynamo: Object.fromEntries(dynamoCounter.counts),
      log: Object.fromEntries(log.counts),
    };
  } finally {
    dynamoCounter.active = false;
    client?.destroy();
    await runtime?.stop();
    await receivers.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function print(results: PhaseResult[]): void {
  const rows: Array<Array<string | number>> = [
    [
      'phase',
      'events',
      'deliveries',
      'publish s',
      'publish->last delivered s',
      'events/s',
      'deliveries/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'max ms',
    ],
  ];
  for (const r of results) {
    rows.push([
      r.phase,
      r.events,
      r.deliveries,
      fmt(r.publishMs / 1000, 1),
      fmt(r.totalMs / 1000, 1),
      fmt(r.eventsPerSecond, 0),
      fmt(r.deliveriesPerSecond, 0),
      fmt(r.latencyMs.p50, 0),
      fmt(r.latencyMs.p95, 0),
      fmt(r.latencyMs.p99, 0),
      fmt(r.latencyMs.max, 0),
    ]);
  }
  console.log(table(rows));
  console.log('');
  const attempts: Array<Array<string | number>> = [
    [
      'phase',
      'attempts (receiver)',
      'recorded (runtime)',
      'predicted (seeded)',
      'policy 1/(1-p)',
      'per delivery',
      'max',
      'delivered',
      'failed',
      'pending',
      'predicted failed',
      'attempt mismatches',
      'after success',
    ],
  ];
  for (const r of results) {
    attempts.push([
      r.phase,
      r.attempts.receiver,
      r.attempts.recordedByRuntime,
      r.attempts.predicted,
      fmt(r.attempts.analytical, 0),
      fmt(r.attempts.receiver / r.deliveries, 3),
      r.attempts.maxPerDelivery,
      r.outcome.delivered,
      r.outcome.failed,
      r.outcome.pending,
      r.outcome.predictedFailed,
      r.outcome.attemptMismatches,
      r.outcome.afterSuccess,
    ]);
  }
  console.log(table(attempts));
  console.log('');
  const ops = [...new Set(results.flatMap((r) => Object.keys(r.dynamo)))].sort();
  console.log('DynamoDB requests seen by dynalite, per delivery:');
  console.log(table([['phase', ...ops], ...results.map((r) => [r.phase, ...ops.map((op) => fmt((r.dynamo[op] ?? 0) / r.deliveries, 3))])]));
  for (const r of results) {
    const notable = Object.entries(r.log).filter(([k]) => !/^(info|debug): delivered$/.test(k) && !k.startsWith('info: event fanned out'));
    if (notable.length > 0)
      console.log(`\n${r.phase}: log lines other than "delivered"/"event fanned out": ${notable.map(([k, v]) => `${v}x ${k}`).join('; ')}`);
  }
  for (const r of results) {
    const allDone = r.outcome.delivered + r.outcome.predictedFailed === r.deliveries && r.outcome.failed === r.outcome.predictedFailed;
    console.log(
      `${r.phase}: every delivery ended ${r.outcome.predictedFailed === 0 ? 'delivered' : 'as predicted'}: ${allDone ? 'yes' : 'NO'}; ` +
        `attempts ${r.attempts.receiver} = predicted ${r.attempts.predicted}: ` +
        `${r.attempts.receiver === r.attempts.predicted ? 'yes' : 'NO'} ` +
        `(policy expectation ${fmt(r.attempts.analytical, 0)}, i.e. ${fmt(1 / (1 - r.failRate), 3)} per delivery)`,
    );
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  console.log(
    `end to end through the local runtime: ${EVENTS} events x ${SUBSCRIPTIONS} subscriptions, SENDER_CONCURRENCY ${SENDER_CONCURRENCY}, ` +
      `seed ${SEED}`,
  );
  const results = [await phase('healthy', 0)];
  console.log(`  healthy done (${Math.round((Date.now() - started) / 1000)} s)`);
  results.push(await phase('30 % failing', FAIL_RATE));
  console.log(`  30 % failing done (${Math.round((Date.now() - started) / 1000)} s)\n`);
  print(results);
  console.log(`total ${Math.round((Date.now() - started) / 1000)} s`);
  writeResult('e2e', { events: EVENTS, senderConcurrency: SENDER_CONCURRENCY, seed: SEED, results });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
