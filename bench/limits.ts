// Per-subscription limits under a burst, measured at the receivers: the local runtime (startRuntime
// in this process: the unchanged handlers, the limiter store on dynalite) gets a burst of events for
// one subscription with maxConcurrency and rateLimit set, while a neighbour subscription gets one
// event every 500 ms. The limited receiver counts requests in flight and requests in every one-second
// window; the neighbour's publish -> arrival latency is compared with the same neighbour alone.
//
//   npm run bench:limits      (BENCH_LIMITS_EVENTS=20000, BENCH_LIMITS_MAX_CONCURRENCY=2, BENCH_LIMITS_RATE=20)
//   BENCH_LIMITS_EVENTS=500 npm run bench:limits     (smoke run)
//   BENCH_LIMITS_RESEND=1 npm run bench:limits
//     (then support resends every delivery of the burst, 1,000 ids a call, as fast as the calls
//      return, while the neighbour's events go on: the same limits and the neighbour measured again)
//   BENCH_LIMITS_CUSTOMER_GROUPS=1 npm run bench:limits
//     (the CRM gives each event its customer as MessageGroupId, as docs/operations.md suggests: the
//      burst one customer, the neighbour another; without it, no event carries a group)
import { subscribe } from 'node:diagnostics_channel';
import { mkdtempSync, rmSync } from 'node:fs';
import type { ClientRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueUrlCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Log, LogFields } from '../lambdas/domain/log';
import { startRuntime, type Runtime } from '../local/runtime';
import { countingReceiver, mostInOneSecond, type CountingReceiver } from './lib/counting-receiver';
import { positive } from './lib/env';
import { writeResult } from './lib/results';
import { fmt, percentile, table } from './lib/stats';
import { localCredentials } from '../local/local-aws';
import { invokeLocal } from './lib/invoke-local';

const EVENTS = positive('BENCH_LIMITS_EVENTS', 20_000);
const MAX_CONCURRENCY = positive('BENCH_LIMITS_MAX_CONCURRENCY', 2);
const RATE = positive('BENCH_LIMITS_RATE', 20);
/** The limited receiver's answer time: long enough that the concurrency limit matters too. */
const ANSWER_MS = positive('BENCH_LIMITS_ANSWER_MS', 50);
const NEIGHBOUR_EVERY_MS = 500;
/** The events' MessageGroupId: their customer, when the CRM sets one; undefined (no group) by default. */
const CUSTOMER_GROUPS = process.env.BENCH_LIMITS_CUSTOMER_GROUPS === '1';
const groupOf = (customer: string) => (CUSTOMER_GROUPS ? { MessageGroupId: customer } : {});
/** After the burst, support resends all of it (`resendBurst`). */
const RESEND = process.env.BENCH_LIMITS_RESEND === '1';
const BASELINE_EVENTS = 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class CountingLog implements Log {
  readonly counts = new Map<string, number>();
  private add(level: string, message: string, _fields?: LogFields): void {
    if (level === 'debug') return;
    const key = `${level}: ${message}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  debug = (m: string, f?: LogFields) => this.add('debug', m, f);
  info = (m: string, f?: LogFields) => this.add('info', m, f);
  warn = (m: string, f?: LogFields) => this.add('warn', m, f);
  error = (m: string, f?: LogFields) => this.add('error', m, f);
}

/**
 * DynamoDB requests by operation, seen where the runtime's SDK clients send them (dynalite serves them
 * in a worker thread of its own, where this process's server events do not reach).
 */
const dynamo = new Map<string, number>();
subscribe('http.client.request.start', (message) => {
  const target = (message as { request: ClientRequest }).request.getHeader('x-amz-target');
  if (typeof target === 'string' && target.startsWith('DynamoDB_20120810.')) {
    const op = target.slice('DynamoDB_20120810.'.length);
    dynamo.set(op, (dynamo.get(op) ?? 0) + 1);
  }
});

function invoke<R = { subscription: { id: string } }>(runtime: Runtime, payload: unknown, fn = 'subscriptions'): Promise<R> {
  return invokeLocal<R>(runtime.url, fn, payload);
}

interface ResendPhase {
  resent: number;
  calledInMs: number;
  seconds: number;
  distinct: number;
  mostInOneSecond: number;
  neighbour: { p50: number; p95: number; max: number; n: number };
}

/**
 * Support resends every delivery of the burst (1,000 ids a call, the most one call takes) while the
 * neighbour's events go on; what the limited receiver and the neighbour see of it.
 */
async function resendBurst(
  runtime: Runtime,
  sqs: SQSClient,
  queueUrl: string,
  receivers: { limited: CountingReceiver; neighbour: CountingReceiver },
  subscriptionId: string,
): Promise<ResendPhase> {
  const from = receivers.limited.arrivals.length;
  const started = Date.now();
  let done = false;
  const during = neighbourEvents(sqs, queueUrl, receivers.neighbour, 'resend', () => done);
  let resent = 0;
  for (let i = 0; i < EVENTS; i += 1000) {
    const deliveryIds = Array.from({ length: Math.min(1000, EVENTS - i) }, (_, k) => `flood-${i + k}.${subscriptionId}`);
    resent += (await invoke<{ resent: number }>(runtime, { deliveryIds }, 'resend')).resent;
  }
  const calledInMs = Date.now() - started;
  const again = () => receivers.limited.arrivals.slice(from);
  await awaitDistinct(again, resent, started);
  done = true;
  const latencies = await during;
  const arrivals = again();
  return {
    resent,
    calledInMs,
    seconds: (Date.now() - started) / 1000,
    distinct: new Set(arrivals.map((a) => a.id)).size,
    mostInOneSecond: mostInOneSecond(arrivals.map((a) => a.at)),
    neighbour: latencySummary(latencies),
  };
}

function resendRows(r: ResendPhase): Array<Array<string | number>> {
  return [
    ['resend: deliveries resent / received again (distinct)', `${r.resent} / ${r.distinct}`, `${EVENTS}, each once`],
    ['resend: calls done in / all received after', `${fmt(r.calledInMs / 1000, 1)} s / ${fmt(r.seconds, 1)} s`, ''],
    ['resend: most requests in one second', r.mostInOneSecond, `<= ${fmt(RATE * 1.1, 1)}`],
    [
      'resend: neighbour latency p50 / p95 / max',
      `${r.neighbour.p50} / ${r.neighbour.p95} / ${r.neighbour.max} ms`,
      `${r.neighbour.n} events`,
    ],
  ];
}

const event = (id: string, type: string) => JSON.stringify({ id, type, date: '2026-11-30T08:13:46+01:00', version: '2.1.0', amount: 10 });

/** Publishes the neighbour's events one every NEIGHBOUR_EVERY_MS until `stop()` is true; their latencies at the receiver. */
async function neighbourEvents(
  sqs: SQSClient,
  queueUrl: string,
  neighbour: CountingReceiver,
  tag: string,
  stop: () => boolean,
): Promise<number[]> {
  const published = new Map<string, number>();
  for (let i = 0; !stop(); i += 1) {
    published.set(`${tag}-${i}`, Date.now());
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: event(`${tag}-${i}`, 'neighbour'), ...groupOf('customer-neighbour') }),
    );
    await sleep(NEIGHBOUR_EVERY_MS);
  }
  const deadline = Date.now() + 120_000;
  const mine = () => neighbour.arrivals.filter((a) => a.id.startsWith(`${tag}-`));
  while (mine().length < published.size && Date.now() < deadline) await sleep(100);
  return mine().map((a) => a.at - published.get(a.id.split('.')[0])!);
}

/** The burst's events to the limited subscription, 10 a request, as fast as the endpoint takes them. */
async function publishBurst(sqs: SQSClient, queueUrl: string): Promise<void> {
  for (let i = 0; i < EVENTS; i += 10) {
    const entries = Array.from({ length: Math.min(10, EVENTS - i) }, (_, k) => ({
      Id: `m${k}`,
      MessageBody: event(`flood-${i + k}`, 'flood'),
      ...groupOf('customer-flood'),
    }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
  }
}

/** Until `expected` distinct deliveries arrived, or long past the time the rate needs for a whole burst. */
async function awaitDistinct(arrivals: () => CountingReceiver['arrivals'], expected: number, started: number): Promise<void> {
  const deadline = started + 120_000 + (EVENTS / RATE) * 3000;
  while (new Set(arrivals().map((a) => a.id)).size < expected && Date.now() < deadline) {
    await sleep(1000);
    if ((Date.now() - started) % 30_000 < 1000)
      console.error(`… ${arrivals().length} of ${expected} after ${Math.round((Date.now() - started) / 1000)} s`);
  }
}

function latencySummary(latencies: number[]): { p50: number; p95: number; max: number; n: number } {
  return { p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: Math.max(...latencies), n: latencies.length };
}

interface BurstMeasures {
  publishedMs: number;
  seconds: number;
  baseline: number[];
  during: number[];
}

/** What the limited receiver and the neighbour saw, with the runtime's counts. */
function burstResult(limited: CountingReceiver, log: CountingLog, measures: BurstMeasures) {
  const times = limited.arrivals.map((a) => a.at);
  const distinct = new Set(limited.arrivals.map((a) => a.id)).size;
  const spanSeconds = (Math.max(...times) - Math.min(...times)) / 1000;
  const dynamoTotal = [...dynamo.values()].reduce((n, v) => n + v, 0);
  return {
    events: EVENTS,
    customerGroups: CUSTOMER_GROUPS,
    limits: { maxConcurrency: MAX_CONCURRENCY, rateLimit: RATE },
    receiverAnswerMs: ANSWER_MS,
    publishedMs: measures.publishedMs,
    seconds: measures.seconds,
    received: limited.arrivals.length,
    distinct,
    achievedPerSecond: distinct / spanSeconds,
    mostInFlight: limited.mostInFlight(),
    mostInOneSecond: mostInOneSecond(times),
    deferralsPerDelivery: (log.counts.get('info: attempt deferred') ?? 0) / EVENTS,
    dynamoRequestsPerDelivery: dynamoTotal / EVENTS,
    dynamo: Object.fromEntries(dynamo),
    neighbour: { alone: latencySummary(measures.baseline), duringBurst: latencySummary(measures.during) },
    log: Object.fromEntries(log.counts),
  };
}

type BurstResult = ReturnType<typeof burstResult> & { subscriptionId: string; resend?: ResendPhase };

function burstRows(result: BurstResult): Array<Array<string | number>> {
  const { alone, duringBurst } = result.neighbour;
  return [
    ['measure', 'value', 'limit'],
    ['deliveries received (distinct)', `${result.received} (${result.distinct})`, `${EVENTS}, each once`],
    [RESEND ? 'most requests in flight (burst and resend)' : 'most requests in flight', result.mostInFlight, `<= ${MAX_CONCURRENCY}`],
    ['most requests in one second', result.mostInOneSecond, `<= ${fmt(RATE * 1.1, 1)}`],
    ['achieved requests per second', fmt(result.achievedPerSecond, 2), `rate ${RATE}`],
    ['burst published in / all received after', `${fmt(result.publishedMs / 1000, 1)} s / ${fmt(result.seconds, 1)} s`, ''],
    ['events carry their customer as MessageGroupId', CUSTOMER_GROUPS ? 'yes' : 'no', ''],
    ['deferrals per delivery', fmt(result.deferralsPerDelivery, 2), ''],
    ['DynamoDB requests per delivery', fmt(result.dynamoRequestsPerDelivery, 2), ''],
    ['neighbour latency alone p50 / p95', `${alone.p50} / ${alone.p95} ms`, ''],
    [
      'neighbour latency during the burst p50 / p95 / max',
      `${duringBurst.p50} / ${duringBurst.p95} / ${duringBurst.max} ms`,
      `${duringBurst.n} events`,
    ],
    ...(result.resend ? resendRows(result.resend) : []),
  ];
}

/** Every delivery once, in both phases, and the limits held throughout. */
function limitsHeld(result: BurstResult): boolean {
  const resendMet = !result.resend || (result.resend.distinct === EVENTS && result.resend.mostInOneSecond <= RATE * 1.1);
  const burstMet = result.distinct === EVENTS && result.received === EVENTS && result.mostInOneSecond <= RATE * 1.1;
  return burstMet && result.mostInFlight <= MAX_CONCURRENCY && resendMet;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-limits-'));
  const log = new CountingLog();
  const [limited, neighbour] = await Promise.all([countingReceiver(ANSWER_MS), countingReceiver(0)]);
  // The stack's retry waits and sweeper grace: a deferral must not run into a test-sized retry horizon.
  const runtime = await startRuntime({ env: { PORT: '0', DATA_DIR: dir, SWEEP_GRACE_MS: '600000' }, log });
  const sqs = new SQSClient({ endpoint: runtime.url, region: 'local', credentials: localCredentials(), maxAttempts: 3 });
  try {
    const queueUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: 'events' }))).QueueUrl!;
    const limits = { maxConcurrency: MAX_CONCURRENCY, rateLimit: RATE };
    const sub = (await invoke(runtime, { action: 'create', url: `${limited.url}/hook`, eventTypes: ['flood'], ...limits })).subscription;
    await invoke(runtime, { action: 'create', url: `${neighbour.url}/hook`, eventTypes: ['neighbour'] });

    let baselineCount = 0;
    const baseline = await neighbourEvents(sqs, queueUrl, neighbour, 'alone', () => baselineCount++ >= BASELINE_EVENTS);
    dynamo.clear();

    const started = Date.now();
    let done = false;
    const during = neighbourEvents(sqs, queueUrl, neighbour, 'during', () => done);
    await publishBurst(sqs, queueUrl);
    const publishedMs = Date.now() - started;
    await awaitDistinct(() => limited.arrivals, EVENTS, started);
    done = true;
    const measures = { publishedMs, baseline, during: await during, seconds: (Date.now() - started) / 1000 };
    const result: BurstResult = { ...burstResult(limited, log, measures), subscriptionId: sub.id };
    if (RESEND) result.resend = await resendBurst(runtime, sqs, queueUrl, { limited, neighbour }, sub.id);
    // Both phases: the receiver counts requests in flight from its start.
    result.mostInFlight = limited.mostInFlight();
    console.log(table(burstRows(result)));
    const met = limitsHeld(result);
    console.log(`limits held and nothing lost: ${met ? 'yes' : 'NO'}`);
    console.log(`DynamoDB requests by operation: ${JSON.stringify(result.dynamo)}`);
    writeResult('limits', result);
    if (!met) process.exitCode = 1;
  } finally {
    sqs.destroy();
    await runtime.stop();
    await Promise.all([limited.close(), neighbour.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
