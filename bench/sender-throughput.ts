// Sender throughput: deliveries per second and CPU per delivery through the real sender handler,
// against two baselines in the same run, at the same concurrency and sink:
//   raw          one POST through undici's dispatch(), the API the product's webhook client uses;
//   raw+storage  the same POST plus the minimal storage calls of a delivery (read the event, claim,
//                complete) through the real repository and the real AWS SDK.
//
//   npm run bench:sender            (BENCH_RUNS=7, BENCH_RUN_MS=1000, BENCH_POWERTOOLS_RUNS=3, BENCH_CONCURRENCIES=1,10,50)
//
// DynamoDB is dynalite in its own process (bench/lib/dynalite-process.ts), reached by the real AWS
// SDK clients over HTTP on 127.0.0.1, so the SDK's marshalling, middleware, signing and HTTP are in
// this process's CPU; SQS, Scheduler and SNS are the counting fakes (a successful first attempt
// makes no request to them). The sink runs in a third process. Concurrency C = C handler invocations
// in flight, each an SQS batch of one record; "batch 10" = C/10 invocations of 10 records.
// The figure that matters on a loaded machine is CPU µs per delivery (process.cpuUsage of this
// process: the client side only) and the ratios of the same run; deliveries/s moves with the load.
// Modes alternate within a round so drift hits them alike; figures are medians of the runs.
// The requests and request units per delivery come from a separate run on the counting fake
// (bench/lib/fake-dynamo.ts), which is only good for counting.
import { fork } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { Agent } from 'undici';
import { parseAllowlist } from '../lambdas/adapters/http/target-guard';
import { UndiciWebhookClient } from '../lambdas/adapters/http/webhook-client';
import { silentLog, type Log } from '../lambdas/domain/log';
import type { Metrics } from '../lambdas/domain/metrics';
import { secretsOf } from '../lambdas/domain/redaction';
import { signatureHeader } from '../lambdas/domain/signing';
import { parseWakeup } from '../lambdas/domain/wakeup-message';
import { webhookRequest } from '../lambdas/domain/webhook-request';
import { createSenderHandler } from '../lambdas/handlers/sender';
import { buildSendDeps, USER_AGENT } from '../lambdas/wiring/deps';
import { createLogger, logOf } from '../lambdas/wiring/log';
import { lambdaHandler } from '../lambdas/wiring/lambda-handler';
import { PowertoolsMetrics } from '../lambdas/wiring/metrics';
import { invocationStoreReady, invoker } from '../local/lambda-context';
import { forkChild } from './lib/child';
import { writeResult } from './lib/results';
import { seedDeliveries } from './lib/seed';
import { fmt, median, table } from './lib/stats';
import { sampleBody, sqsEvent, World } from './lib/world';
import type { SQSEvent } from 'aws-lambda';
import { positive } from './lib/env';
import { rawPost } from './lib/raw-post';
import { unitCounts } from './lib/world';

/** Concurrencies measured, e.g. BENCH_CONCURRENCIES=10 for one sender instance only. */
const CONCURRENCIES = (process.env.BENCH_CONCURRENCIES || '1,10,50').split(',').map((c) => {
  const n = Number(c);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(
      `BENCH_CONCURRENCIES must be positive integers separated by commas, got ${JSON.stringify(process.env.BENCH_CONCURRENCIES)}`,
    );
  return n;
});
const RUNS = positive('BENCH_RUNS', 7);
const RUN_MS = positive('BENCH_RUN_MS', 1_000);
/** The Powertools child measures log bytes and the Powertools cost at one concurrency. */
const POWERTOOLS_CONCURRENCIES = [10];
/** Deliveries of the counting-fake run that gives requests and request units per delivery. */
const COUNT_DELIVERIES = 1_000;
/** Calls per round of the CPU breakdown's parts. */
const PART_CALLS = positive('BENCH_PART_CALLS', 1_000);
const POWERTOOLS_RUNS = positive('BENCH_POWERTOOLS_RUNS', 3);
/** No run may take longer than this, whatever the calibration said. */
const RUN_LIMIT_MS = 120_000;
const WARMUP_MS = 1_000;
/** The Powertools child is a fresh process: longer warm-up. */
const CHILD_WARMUP_MS = 2_500;
const EVENT_TYPE = 'donation';

type Mode = 'raw' | 'raw+storage' | 'sender' | 'sender-b10' | 'sender-powertools';

interface RunResult {
  perSecond: number;
  cpuUsPerDelivery: number;
  count: number;
  ms: number;
  /** Sink connections opened during the run (connection reuse check). */
  connections: number;
  /** DynamoDB/SQS requests per delivery (sender modes). */
  requestsPerDelivery?: Record<string, number>;
  /** Bytes written to stdout per delivery (Powertools mode). */
  logBytesPerDelivery?: number;
}

interface SinkHandle {
  url: string;
  connections(): Promise<number>;
}

/** Where the runs keep their state: the real SDK against dynalite, or the counting fake. */
interface Storage {
  /** dynalite's endpoint; undefined: the counting fake. */
  endpoint: string | undefined;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

interface Timing {
  ms: number;
  /** CPU time of this process (all its threads), µs: steadier than wall time on a shared machine. */
  cpuUs: number;
}

/** Runs `op` for indexes 0..count-1 with `concurrency` in flight; bounded by RUN_LIMIT_MS. */
async function drive(concurrency: number, count: number, op: (i: number) => Promise<void>): Promise<Timing> {
  let next = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const deadline = start + RUN_LIMIT_MS;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        if (performance.now() > deadline) throw new Error(`run exceeded ${RUN_LIMIT_MS} ms at ${i} of ${count}`);
        await op(i);
      }
    }),
  );
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { ms, cpuUs: used.user + used.system };
}

const body = sampleBody(EVENT_TYPE);

async function rawRun(sink: SinkHandle, concurrency: number, count: number): Promise<RunResult> {
  // Same keep-alive setting as the webhook client's Agent; a fresh pool per run, like the sender's.
  const agent = new Agent({ keepAliveTimeout: 4_000 });
  const url = new URL(sink.url);
  const post = async () => {
    const response = await rawPost(agent, url, JSON_HEADERS, body);
    if (response.statusCode !== 200) throw new Error(`sink answered ${response.statusCode}`);
  };
  try {
    await drive(concurrency, concurrency * 4, post);
    const before = await sink.connections();
    const { ms, cpuUs } = await drive(concurrency, count, post);
    return { perSecond: (count / ms) * 1000, cpuUsPerDelivery: cpuUs / count, count, ms, connections: (await sink.connections()) - before };
  } finally {
    await agent.close();
  }
}

let runNumber = 0;

/**
 * The second baseline: the raw POST plus the three storage calls every delivery needs today (read
 * the event, claim, complete), through the same repository and the real SDK against dynalite. What
 * the sender adds over it is its own work (parsing, signing, the guarded client, classifying).
 */
async function rawStorageRun(sink: SinkHandle, storage: Storage, concurrency: number, count: number): Promise<RunResult> {
  const world = new World({ dynamoEndpoint: storage.endpoint });
  runNumber += 1;
  const [subscriptionId] = await world.createSubscriptions(1, sink.url, silentLog);
  const deps = buildSendDeps(world.env, world.infra(silentLog));
  const warm = concurrency * 4;
  const seeded = await seedDeliveries(deps.deliveries, {
    subscriptionIds: [subscriptionId],
    events: warm + count,
    sample: body,
    type: EVENT_TYPE,
    prefix: `s${runNumber}-${process.pid}`,
  });
  const agent = new Agent({ keepAliveTimeout: 4_000 });
  const url = new URL(sink.url);
  let next = 0;
  const deliver = async () => {
    const delivery = seeded.deliveries[next++];
    const event = await deps.deliveries.getEvent(delivery.eventId);
    const now = new Date().toISOString();
    const lease = new Date(Date.now() + 60_000).toISOString();
    const claimed = await deps.deliveries.claimAttempt({ deliveryId: delivery.deliveryId, attempt: 1 }, now, lease, {
      eventType: event!.type,
      createdAt: event!.receivedAt,
    });
    const response = await rawPost(agent, url, JSON_HEADERS, event!.body);
    if (response.statusCode !== 200) throw new Error(`sink answered ${response.statusCode}`);
    const attempt = {
      deliveryId: delivery.deliveryId,
      number: 1,
      trigger: 'initial' as const,
      startedAt: now,
      durationMs: 1,
      outcome: 'delivered' as const,
      statusCode: 200,
      responseBody: response.body,
    };
    if (!(await deps.deliveries.completeAttempt(claimed!, attempt, { status: 'delivered' }, now))) throw new Error('completion lost');
  };
  try {
    await drive(concurrency, warm, deliver);
    const before = await sink.connections();
    const { ms, cpuUs } = await drive(concurrency, count, deliver);
    return { perSecond: (count / ms) * 1000, cpuUsPerDelivery: cpuUs / count, count, ms, connections: (await sink.connections()) - before };
  } finally {
    await agent.close();
    await (deps.webhook as UndiciWebhookClient).close();
    world.close();
  }
}

async function senderRun(
  sink: SinkHandle,
  storage: Storage,
  concurrency: number,
  count: number,
  options: { batch: number; log: Log; metrics?: PowertoolsMetrics; countLogBytes?: () => number },
): Promise<RunResult> {
  const world = new World({ dynamoEndpoint: storage.endpoint });
  runNumber += 1;
  const [subscriptionId] = await world.createSubscriptions(1, sink.url, silentLog);
  const deps = buildSendDeps(world.env, world.infra(options.log, { metrics: options.metrics as Metrics | undefined }));
  const senderHandler = createSenderHandler(deps);
  // As Lambda runs it: middy with the metrics flushed per invocation (the bench's log has no Lambda context to add).
  const handler = invoker(lambdaHandler(senderHandler, { log: options.log, metrics: options.metrics }), 'sender');
  const warm = concurrency * 4;
  const seeded = await seedDeliveries(deps.deliveries, {
    subscriptionIds: [subscriptionId],
    events: warm + count,
    sample: body,
    type: EVENT_TYPE,
    prefix: `r${runNumber}-${process.pid}`,
  });
  const events: SQSEvent[] = [];
  for (let i = 0; i < seeded.wakeups.length; i += options.batch) events.push(sqsEvent(seeded.wakeups.slice(i, i + options.batch)));
  const warmEvents = warm / options.batch;
  const invocations = Math.max(1, concurrency / options.batch);
  const invoke = async (i: number) => {
    const out = await handler(events[i]);
    if (out.batchItemFailures.length > 0) throw new Error(`sender reported ${out.batchItemFailures.length} failed records`);
  };
  try {
    await drive(invocations, warmEvents, invoke);
    world.resetCounts();
    const logBytesBefore = options.countLogBytes?.() ?? 0;
    const before = await sink.connections();
    const { ms, cpuUs } = await drive(invocations, events.length - warmEvents, (i) => invoke(i + warmEvents));
    const connections = (await sink.connections()) - before;
    const requests: Record<string, number> = {};
    if (storage.endpoint === undefined) {
      const delivered = world.dynamo.items('deliveries').filter((d) => d.status === 'delivered').length;
      if (delivered !== warm + count) throw new Error(`${delivered} of ${warm + count} deliveries delivered`);
      for (const [op, n] of world.dynamo.counts.requests) requests[`DynamoDB.${op}`] = n / count;
      for (const [op, n] of world.counts.requests) requests[op] = n / count;
      const units = unitCounts(world);
      requests['DynamoDB WRU (table)'] = units.wru / count;
      requests['DynamoDB WRU (indexes)'] = units.indexWru / count;
      requests['DynamoDB RRU'] = units.rru / count;
    }
    return {
      perSecond: (count / ms) * 1000,
      cpuUsPerDelivery: cpuUs / count,
      count,
      ms,
      connections,
      requestsPerDelivery: requests,
      logBytesPerDelivery: options.countLogBytes ? (options.countLogBytes() - logBytesBefore) / count : undefined,
    };
  } finally {
    await (deps.webhook as UndiciWebhookClient).close();
    world.close();
  }
}

interface Runner {
  mode: Mode;
  run(concurrency: number, count: number): Promise<RunResult>;
}

/**
 * Warm-up per mode (runs for at least `warmupMs`: a fresh process is JIT-cold for a second or two,
 * and the first runs would measure the compiler), sized from its last run; then `runs` rounds with
 * the modes alternating (order reversed every other round); medians per mode.
 */
async function measure(runners: Runner[], concurrency: number, runs: number, warmupMs = WARMUP_MS): Promise<Map<Mode, RunResult[]>> {
  const counts = new Map<Mode, number>();
  const minimum = Math.max(concurrency * 10, 50);
  for (const runner of runners) {
    const start = performance.now();
    let warm = await runner.run(concurrency, minimum);
    for (let i = 0; i < 20 && performance.now() - start < warmupMs; i += 1) {
      warm = await runner.run(concurrency, Math.max(minimum, Math.round((warm.perSecond * 0.4) / 10) * 10));
    }
    counts.set(runner.mode, Math.max(minimum, Math.round((warm.perSecond * RUN_MS) / 1000 / 10) * 10));
  }
  const results = new Map<Mode, RunResult[]>(runners.map((r) => [r.mode, []]));
  for (let round = 0; round < runs; round += 1) {
    for (const runner of round % 2 === 0 ? runners : [...runners].reverse()) {
      results.get(runner.mode)!.push(await runner.run(concurrency, counts.get(runner.mode)!));
    }
  }
  return results;
}

interface Summary {
  concurrency: number;
  mode: Mode;
  medianPerSecond: number;
  runs: number[];
  ratioToRaw: number;
  pairedRatio: number;
  cpuUsPerDelivery: number;
  /** Raw's CPU per request over this mode's CPU per delivery. */
  cpuRatio: number;
  connections: number;
  /** Each run against the raw+storage run of the same round. */
  pairedToFloor?: number;
  requestsPerDelivery?: Record<string, number>;
  logBytesPerDelivery?: number;
}

function summarize(concurrency: number, results: Map<Mode, RunResult[]>): Summary[] {
  const raw = results.get('raw')!;
  const rawMedian = median(raw.map((r) => r.perSecond));
  const rawCpu = median(raw.map((r) => r.cpuUsPerDelivery));
  const floor = results.get('raw+storage');
  return [...results].map(([mode, list]) => ({
    pairedToFloor: floor ? median(list.map((r, i) => r.perSecond / floor[i].perSecond)) : undefined,
    concurrency,
    mode,
    medianPerSecond: median(list.map((r) => r.perSecond)),
    runs: list.map((r) => Math.round(r.perSecond)),
    ratioToRaw: median(list.map((r) => r.perSecond)) / rawMedian,
    // Each run against the raw run of the same round: robust to drift between rounds.
    pairedRatio: median(list.map((r, i) => r.perSecond / raw[i].perSecond)),
    cpuUsPerDelivery: median(list.map((r) => r.cpuUsPerDelivery)),
    cpuRatio: rawCpu / median(list.map((r) => r.cpuUsPerDelivery)),
    connections: median(list.map((r) => r.connections)),
    requestsPerDelivery: list[list.length - 1]?.requestsPerDelivery,
    logBytesPerDelivery: list[list.length - 1]?.logBytesPerDelivery,
  }));
}

async function connectSink(port: number, ask: () => Promise<number>): Promise<SinkHandle> {
  // A URL secret in the query, as many receivers use: the sender scrubs it from anything it keeps.
  return { url: `http://127.0.0.1:${port}/hook?token=bench-0123456789abcdef`, connections: ask };
}

/** The Powertools measurement: runs in a child whose stdout is /dev/null, so log lines are really written. */
async function powertoolsChild(): Promise<void> {
  const port = Number(process.env.BENCH_SINK_PORT);
  let bytes = 0;
  const write = process.stdout.write.bind(process.stdout) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
  // Counting only; every byte still goes to the real stdout (/dev/null) through the original write.
  process.stdout.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    return write(chunk, ...rest);
  };
  let pending: ((n: number) => void) | undefined;
  process.on('message', (m: { type?: string; connections?: number }) => {
    if (m.type === 'connections') pending?.(m.connections ?? 0);
  });
  const sink = await connectSink(
    port,
    () =>
      new Promise<number>((resolve) => {
        pending = resolve;
        process.send!({ type: 'connections?' });
      }),
  );
  const log = logOf(createLogger());
  await invocationStoreReady();
  const metrics = new PowertoolsMetrics();
  const storage: Storage = { endpoint: process.env.BENCH_DYNAMO_ENDPOINT };
  const summaries: Summary[] = [];
  for (const concurrency of POWERTOOLS_CONCURRENCIES) {
    const results = await measure(
      [
        { mode: 'raw', run: (c, n) => rawRun(sink, c, n) },
        {
          mode: 'sender-powertools',
          run: (c, n) => senderRun(sink, storage, c, n, { batch: 1, log, metrics, countLogBytes: () => bytes }),
        },
      ],
      concurrency,
      POWERTOOLS_RUNS,
      CHILD_WARMUP_MS,
    );
    summaries.push(...summarize(concurrency, results));
  }
  process.send!({ type: 'done', summaries });
}

interface Part {
  part: string;
  cpuUs: number;
  note: string;
}

/** CPU µs per call of `op`, median of 5 rounds of `count` sequential calls. */
async function cpuPerCall(count: number, op: (i: number) => unknown): Promise<number> {
  const rounds: number[] = [];
  for (let round = 0; round < 5; round += 1) {
    const cpu = process.cpuUsage();
    for (let i = 0; i < count; i += 1) await op(i);
    const used = process.cpuUsage(cpu);
    rounds.push((used.user + used.system) / count);
  }
  return median(rounds);
}

/** CPU µs in this process for the three storage calls of one delivery (sequential, so no wait counted). */
async function storageCpu(
  world: World,
  count: number,
  otherCpu: () => Promise<number> = async () => 0,
): Promise<{ cpuUs: number; otherCpuUs: number }> {
  const [subscriptionId] = await world.createSubscriptions(1, 'http://127.0.0.1:9/hook', silentLog);
  const deps = buildSendDeps(world.env, world.infra(silentLog));
  const seeded = await seedDeliveries(deps.deliveries, {
    subscriptionIds: [subscriptionId],
    events: count * 5,
    sample: body,
    type: EVENT_TYPE,
    prefix: `parts-${world.real ? 'sdk' : 'fake'}`,
  });
  let next = 0;
  const otherBefore = await otherCpu();
  const cpuUs = await cpuPerCall(count, async () => {
    const delivery = seeded.deliveries[next++];
    const now = new Date().toISOString();
    const event = await deps.deliveries.getEvent(delivery.eventId);
    const origin = { eventType: event!.type, createdAt: event!.receivedAt };
    const claimed = await deps.deliveries.claimAttempt(
      { deliveryId: delivery.deliveryId, attempt: 1 },
      now,
      new Date(Date.now() + 60_000).toISOString(),
      origin,
    );
    const attempt = {
      deliveryId: delivery.deliveryId,
      number: 1,
      trigger: 'initial' as const,
      startedAt: now,
      durationMs: 1,
      outcome: 'delivered' as const,
      statusCode: 200,
      responseBody: '',
    };
    await deps.deliveries.completeAttempt(claimed!, attempt, { status: 'delivered' }, now);
  });
  const otherCpuUs = ((await otherCpu()) - otherBefore) / (count * 5);
  await (deps.webhook as UndiciWebhookClient).close();
  return { cpuUs, otherCpuUs };
}

/** CPU per request of the product's client and of the raw dispatch() POST, same sink, 50 in flight. */
async function httpParts(
  sink: SinkHandle,
  headers: Record<string, string>,
  request0: Parameters<UndiciWebhookClient['post']>[0],
): Promise<Part[]> {
  const client = new UndiciWebhookClient({ guard: { allowlist: parseAllowlist('127.0.0.0/8') } });
  const agent = new Agent({ keepAliveTimeout: 4_000 });
  const url = new URL(sink.url);
  const raw = async () => void (await rawPost(agent, url, headers, body));
  const product = async () => void (await client.post(request0));
  const clientCpu: number[] = [];
  const rawCpu: number[] = [];
  await drive(50, PART_CALLS, raw);
  await drive(50, PART_CALLS, product);
  for (let round = 0; round < 5; round += 1) {
    rawCpu.push((await drive(50, PART_CALLS, raw)).cpuUs / PART_CALLS);
    clientCpu.push((await drive(50, PART_CALLS, product)).cpuUs / PART_CALLS);
  }
  await client.close();
  await agent.close();
  return [
    { part: 'HTTP: raw undici dispatch(), same headers (c=50)', cpuUs: median(rawCpu), note: 'per request' },
    { part: 'HTTP: UndiciWebhookClient.post (c=50)', cpuUs: median(clientCpu), note: 'guard, whole-response timer, excerpt' },
  ];
}

/**
 * Where a delivery's CPU goes: the sender's parts measured one at a time with the product's own
 * functions (sequentially, so no I/O wait is counted), the storage calls through the real SDK and
 * through the counting fake, and the webhook client against the raw dispatch() POST.
 */
async function breakdown(sink: SinkHandle, storage: Storage, dynamoCpu: () => Promise<number>): Promise<Part[]> {
  const world = new World();
  const [subscriptionId] = await world.createSubscriptions(1, sink.url, silentLog);
  const deps = buildSendDeps(world.env, world.infra(silentLog));
  const subscription = (await deps.subscriptions.get(subscriptionId))!;
  const count = PART_CALLS;
  const seeded = await seedDeliveries(deps.deliveries, {
    subscriptionIds: [subscriptionId],
    events: count,
    sample: body,
    type: EVENT_TYPE,
    prefix: 'parts',
  });
  await (deps.webhook as UndiciWebhookClient).close();
  const sentAt = new Date();
  const id = seeded.deliveries[0].deliveryId;
  const parts: Part[] = [];
  parts.push({
    part: 'parseWakeup (JSON + zod)',
    cpuUs: await cpuPerCall(count, (i) => parseWakeup(seeded.wakeups[i])),
    note: 'per record',
  });
  const request0 = webhookRequest({ subscription, deliveryId: id, body, sentAt, userAgent: USER_AGENT, timeoutMs: 5_000 });
  parts.push({
    part: 'webhookRequest (headers + signature)',
    cpuUs: await cpuPerCall(count, () =>
      webhookRequest({ subscription, deliveryId: id, body, sentAt, userAgent: USER_AGENT, timeoutMs: 5_000 }),
    ),
    note: 'per attempt',
  });
  parts.push({
    part: '  of which signatureHeader (node:crypto HMAC)',
    cpuUs: await cpuPerCall(count, () => signatureHeader(subscription.signingSecrets!, id, sentAt, body)),
    note: '',
  });
  const library = new Webhook(subscription.signingSecrets![0].secret);
  parts.push({
    part: '  the same signature with the standardwebhooks library',
    cpuUs: await cpuPerCall(count, () => library.sign(id, sentAt, body)),
    note: 'pure-JS SHA-256, not used',
  });
  parts.push({
    part: 'secretsOf(subscription)',
    cpuUs: await cpuPerCall(count, () => secretsOf(subscription)),
    note: 'every attempt, even with nothing to scrub',
  });
  const sdkWorld = new World({ dynamoEndpoint: storage.endpoint });
  const sdk = await storageCpu(sdkWorld, 60, dynamoCpu);
  sdkWorld.close();
  parts.push({
    part: 'storage: get event + claim + complete, real SDK over HTTP',
    cpuUs: sdk.cpuUs,
    note: 'this process: repository, SDK marshalling, middleware, signing, HTTP (real SDK, dynalite)',
  });
  parts.push({
    part: '  dynalite process meanwhile (not in any figure above)',
    cpuUs: sdk.otherCpuUs,
    note: "the storage work itself; AWS does it in Lambda's stead",
  });
  parts.push({
    part: 'storage: the same three calls through the counting fake',
    cpuUs: (await storageCpu(new World(), PART_CALLS)).cpuUs,
    note: 'what the earlier figures counted: no marshalling, no HTTP',
  });
  parts.push(...(await httpParts(sink, request0.headers, request0)));
  return parts;
}

/** Forks this file as the Powertools child (stdout to /dev/null) and relays its sink questions. */
function runPowertoolsChild(port: number, endpoint: string, askConnections: () => Promise<number>): Promise<Summary[]> {
  const devNull = openSync('/dev/null', 'w');
  // The parent's invoker set Lambda's concurrency variable; a child that inherits it makes Powertools
  // look for an invocation store before the child's invoker has created one.
  const env = { ...process.env };
  delete env.AWS_LAMBDA_MAX_CONCURRENCY;
  const child = fork(__filename, [], {
    env: { ...env, BENCH_SENDER_CHILD: 'powertools', BENCH_SINK_PORT: String(port), BENCH_DYNAMO_ENDPOINT: endpoint },
    stdio: ['ignore', devNull, 'inherit', 'ipc'],
  });
  closeSync(devNull);
  return new Promise<Summary[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the Powertools child took longer than 150 s'));
    }, 150_000);
    child.on('message', (message: { type?: string; summaries?: Summary[] }) => {
      if (message.type === 'connections?') {
        askConnections().then((connections) => child.send({ type: 'connections', connections }), reject);
      } else if (message.type === 'done') {
        clearTimeout(timer);
        child.disconnect();
        resolve(message.summaries ?? []);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the Powertools child exited with ${code} before reporting`));
    });
  });
}

function report(summaries: Summary[], counted: RunResult, parts: Part[], seconds: number): void {
  const rows: Array<Array<string | number>> = [
    [
      'concurrency',
      'mode',
      'CPU µs/delivery',
      'CPU vs raw',
      'CPU vs raw+storage',
      'deliveries/s (median)',
      'vs raw (paired median)',
      'vs raw+storage (paired median)',
      'runs (/s)',
      'new sink connections/run',
    ],
  ];
  for (const s of summaries) {
    const floor = summaries.find((f) => f.mode === 'raw+storage' && f.concurrency === s.concurrency);
    const raw = summaries.find((f) => f.mode === 'raw' && f.concurrency === s.concurrency)!;
    const withFloor = s.mode !== 'raw' && s.mode !== 'raw+storage' && floor !== undefined;
    rows.push([
      s.concurrency,
      s.mode,
      fmt(s.cpuUsPerDelivery, 0),
      s.mode === 'raw' ? '1.00' : fmt(raw.cpuUsPerDelivery / s.cpuUsPerDelivery, 2),
      withFloor ? fmt(floor.cpuUsPerDelivery / s.cpuUsPerDelivery, 2) : '',
      fmt(s.medianPerSecond),
      s.mode === 'raw' ? '1.00' : fmt(s.pairedRatio, 2),
      withFloor && s.pairedToFloor !== undefined ? fmt(s.pairedToFloor, 2) : '',
      s.runs.join(' '),
      s.connections,
    ]);
  }
  console.log('\nproduced by: the real AWS SDK over HTTP against dynalite in its own process (CPU = this process only)');
  console.log(table(rows));
  console.log(
    `\nproduced by: the counting fake (one run, sender, concurrency 10, batch of 1, ${counted.count} deliveries): ` +
      `requests and request units per successful first attempt`,
  );
  console.log(table([['request', 'per delivery'], ...Object.entries(counted.requestsPerDelivery ?? {}).map(([op, n]) => [op, fmt(n, 3)])]));
  const logged = summaries.filter((s) => s.logBytesPerDelivery !== undefined);
  if (logged.length > 0)
    console.log(
      `\nPowertools log + EMF bytes written to stdout per delivery: ` +
        `${logged.map((s) => `${fmt(s.logBytesPerDelivery!, 0)} (c=${s.concurrency})`).join(', ')}`,
    );
  console.log('\nWhere the CPU of one delivery goes (µs, medians, measured one part at a time):');
  console.log(table([['part', 'CPU µs', 'note'], ...parts.map((p) => [p.part, fmt(p.cpuUs, 1), p.note])]));
  const target = summaries.filter((s) => s.mode === 'sender');
  const worst = Math.min(...target.map((s) => s.cpuRatio));
  console.log(
    `sender (batch of 1, silent log), CPU per delivery relative to raw dispatch(): worst ${fmt(worst, 2)}; ` +
      `the earlier goal >= 0.80 of raw: ${worst >= 0.8 ? 'met' : 'MISSED'}`,
  );
  console.log(`total ${seconds} s`);
  writeResult('sender-throughput', { summaries, counted, parts });
}

async function main(): Promise<void> {
  if (process.env.BENCH_SENDER_CHILD === 'powertools') return powertoolsChild();
  const started = Date.now();
  const sinkProcess = await forkChild<{ port: number }>(join(__dirname, 'lib', 'sink-process.ts'));
  const dynamo = await forkChild<{ endpoint: string }>(join(__dirname, 'lib', 'dynalite-process.ts'));
  const askConnections = async () =>
    (await sinkProcess.ask<{ stats: { connections: number } }>({ type: 'stats' }, 'stats')).stats.connections;
  const dynamoCpu = async () => (await dynamo.ask<{ cpuUs: number }>({ type: 'cpu' }, 'cpu')).cpuUs;
  const storage: Storage = { endpoint: dynamo.first.endpoint };
  try {
    const sink = await connectSink(sinkProcess.first.port, askConnections);
    console.log(
      `sender throughput: ${RUNS} runs of ~${RUN_MS} ms per mode and concurrency; sink pid ${sinkProcess.process.pid}, ` +
        `dynalite pid ${dynamo.process.pid} (${storage.endpoint})`,
    );
    const summaries: Summary[] = [];
    for (const concurrency of CONCURRENCIES) {
      const runners: Runner[] = [
        { mode: 'raw', run: (c, n) => rawRun(sink, c, n) },
        { mode: 'raw+storage', run: (c, n) => rawStorageRun(sink, storage, c, n) },
        { mode: 'sender', run: (c, n) => senderRun(sink, storage, c, n, { batch: 1, log: silentLog }) },
      ];
      if (concurrency >= 10)
        runners.push({ mode: 'sender-b10', run: (c, n) => senderRun(sink, storage, c, n, { batch: 10, log: silentLog }) });
      const results = await measure(runners, concurrency, RUNS);
      summaries.push(...summarize(concurrency, results));
      console.log(`  concurrency ${concurrency} done (${Math.round((Date.now() - started) / 1000)} s)`);
    }
    // The Powertools figures are an extra: their failure must not lose the figures measured so far.
    const powertools = await runPowertoolsChild(sinkProcess.first.port, storage.endpoint!, askConnections).catch((error: unknown) => {
      console.log(`the Powertools child failed, its rows are missing: ${String(error)}`);
      return [];
    });
    summaries.push(...powertools);
    console.log(`  Powertools child done (${Math.round((Date.now() - started) / 1000)} s)`);
    const counted = await senderRun(sink, { endpoint: undefined }, 10, COUNT_DELIVERIES, { batch: 1, log: silentLog });
    const parts = await breakdown(sink, storage, dynamoCpu);
    report(summaries, counted, parts, Math.round((Date.now() - started) / 1000));
  } finally {
    await dynamo.stop();
    await sinkProcess.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
