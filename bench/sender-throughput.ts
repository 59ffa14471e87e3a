// Benchmark 1 (issue #6): deliveries per second through the real sender handler against a raw undici
// POST loop to the same keep-alive sink, at the same concurrency, measured side by side.
//
//   npm run bench:sender            (BENCH_RUNS=5, BENCH_RUN_MS=2000, BENCH_POWERTOOLS_RUNS=3)
//
// Sender: createSenderHandler(buildSendDeps(env, infra)) with the AWS clients faked in memory
// (bench/lib/fake-dynamo.ts, fake-aws.ts) and the real UndiciWebhookClient built by deps.ts, its SSRF
// guard allowing 127.0.0.0/8. Concurrency C = C handler invocations in flight, each an SQS batch of
// one record; "batch 10" = C/10 invocations in flight, each a batch of 10 records (the stack's
// batch size), so C records are in flight either way. Raw: undici `request` POSTs of the same body
// to the same URL with C in flight. The sink runs in its own process (the other core).
// Each run processes a fixed count sized from a warm-up to last about BENCH_RUN_MS; modes alternate
// within a round so drift hits them alike. Figures are medians of the runs.
import { fork } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { Agent, request } from 'undici';
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
import { invoker } from '../local/lambda-context';
import { forkChild } from './lib/child';
import { writeResult } from './lib/results';
import { seedDeliveries } from './lib/seed';
import { fmt, median, table } from './lib/stats';
import { sampleBody, sqsEvent, World } from './lib/world';
import type { SQSEvent } from 'aws-lambda';
import { positive } from './lib/env';

const CONCURRENCIES = [1, 10, 50];
const RUNS = positive('BENCH_RUNS', 5);
const RUN_MS = positive('BENCH_RUN_MS', 2_000);
const POWERTOOLS_RUNS = positive('BENCH_POWERTOOLS_RUNS', 3);
/** No run may take longer than this, whatever the calibration said. */
const RUN_LIMIT_MS = 30_000;
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
  const post = async () => {
    const response = await request(sink.url, { dispatcher: agent, method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await response.body.text();
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
 * The second baseline: the raw POST plus the three storage calls every delivery needs (read the
 * event, claim, complete), through the same repository, SDK document client and fake as the
 * sender. What the sender adds over it is its own work (parsing, signing, classifying, the client).
 */
async function rawStorageRun(sink: SinkHandle, concurrency: number, count: number): Promise<RunResult> {
  const world = new World();
  runNumber += 1;
  const [subscriptionId] = await world.createSubscriptions(1, sink.url, silentLog);
  const deps = buildSendDeps(world.env, world.infra(silentLog));
  const warm = concurrency * 4;
  const seeded = await seedDeliveries(deps.deliveries, { subscriptionIds: [subscriptionId!], events: warm + count, sample: body, type: EVENT_TYPE, prefix: `s${runNumber}` });
  const agent = new Agent({ keepAliveTimeout: 4_000 });
  let next = 0;
  const deliver = async () => {
    const delivery = seeded.deliveries[next++]!;
    const event = await deps.deliveries.getEvent(delivery.eventId);
    const now = new Date().toISOString();
    const lease = new Date(Date.now() + 60_000).toISOString();
    const claimed = await deps.deliveries.claimAttempt({ deliveryId: delivery.deliveryId, attempt: 1 }, now, lease, { eventType: event!.type, createdAt: event!.receivedAt });
    const response = await request(sink.url, { dispatcher: agent, method: 'POST', headers: { 'content-type': 'application/json' }, body: event!.body });
    const text = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`sink answered ${response.statusCode}`);
    const attempt = { deliveryId: delivery.deliveryId, number: 1, trigger: 'initial' as const, startedAt: now, durationMs: 1, outcome: 'delivered' as const, statusCode: 200, responseBody: text };
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
  }
}

async function senderRun(
  sink: SinkHandle,
  concurrency: number,
  count: number,
  options: { batch: number; log: Log; metrics?: PowertoolsMetrics; countLogBytes?: () => number },
): Promise<RunResult> {
  const world = new World();
  runNumber += 1;
  const [subscriptionId] = await world.createSubscriptions(1, sink.url, silentLog);
  const deps = buildSendDeps(world.env, world.infra(options.log, { metrics: options.metrics as Metrics | undefined }));
  const senderHandler = createSenderHandler(deps);
  // As Lambda runs it: middy with the metrics flushed per invocation (the bench's log has no Lambda context to add).
  const handler = invoker(lambdaHandler(senderHandler, { log: options.log, metrics: options.metrics }), 'sender');
  const warm = concurrency * 4;
  const seeded = await seedDeliveries(deps.deliveries, {
    subscriptionIds: [subscriptionId!],
    events: warm + count,
    sample: body,
    type: EVENT_TYPE,
    prefix: `r${runNumber}`,
  });
  const events: SQSEvent[] = [];
  for (let i = 0; i < seeded.wakeups.length; i += options.batch) events.push(sqsEvent(seeded.wakeups.slice(i, i + options.batch)));
  const warmEvents = warm / options.batch;
  const invocations = Math.max(1, concurrency / options.batch);
  const invoke = async (i: number) => {
    const out = await handler(events[i]!);
    if (out.batchItemFailures.length > 0) throw new Error(`sender reported ${out.batchItemFailures.length} failed records`);
  };
  try {
    await drive(invocations, warmEvents, invoke);
    world.resetCounts();
    const logBytesBefore = options.countLogBytes?.() ?? 0;
    const before = await sink.connections();
    const { ms, cpuUs } = await drive(invocations, events.length - warmEvents, (i) => invoke(i + warmEvents));
    const connections = (await sink.connections()) - before;
    const delivered = world.dynamo.items('deliveries').filter((d) => d.status === 'delivered').length;
    if (delivered !== warm + count) throw new Error(`${delivered} of ${warm + count} deliveries delivered`);
    const requests: Record<string, number> = {};
    for (const [op, n] of world.dynamo.counts.requests) requests[`DynamoDB.${op}`] = n / count;
    for (const [op, n] of world.counts.requests) requests[op] = n / count;
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
  const minimum = Math.max(concurrency * 20, 200);
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
  requestsPerDelivery?: Record<string, number>;
  logBytesPerDelivery?: number;
}

function summarize(concurrency: number, results: Map<Mode, RunResult[]>): Summary[] {
  const raw = results.get('raw')!;
  const rawMedian = median(raw.map((r) => r.perSecond));
  const rawCpu = median(raw.map((r) => r.cpuUsPerDelivery));
  return [...results].map(([mode, list]) => ({
    concurrency,
    mode,
    medianPerSecond: median(list.map((r) => r.perSecond)),
    runs: list.map((r) => Math.round(r.perSecond)),
    ratioToRaw: median(list.map((r) => r.perSecond)) / rawMedian,
    // Each run against the raw run of the same round: robust to drift between rounds.
    pairedRatio: median(list.map((r, i) => r.perSecond / raw[i]!.perSecond)),
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
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;
  let pending: ((n: number) => void) | undefined;
  process.on('message', (m: { type?: string; connections?: number }) => {
    if (m.type === 'connections') pending?.(m.connections ?? 0);
  });
  const sink = await connectSink(port, () => new Promise<number>((resolve) => {
    pending = resolve;
    process.send!({ type: 'connections?' });
  }));
  const log = logOf(createLogger());
  const metrics = new PowertoolsMetrics();
  const summaries: Summary[] = [];
  for (const concurrency of CONCURRENCIES) {
    const results = await measure(
      [
        { mode: 'raw', run: (c, n) => rawRun(sink, c, n) },
        { mode: 'sender-powertools', run: (c, n) => senderRun(sink, c, n, { batch: 1, log, metrics, countLogBytes: () => bytes }) },
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

/**
 * Where a delivery's CPU goes: the sender's parts measured one at a time with the product's own
 * functions (sequentially, so no I/O wait is counted), and the webhook client against raw undici.
 */
async function breakdown(sink: SinkHandle): Promise<Part[]> {
  const world = new World();
  const [subscriptionId] = await world.createSubscriptions(1, sink.url, silentLog);
  const deps = buildSendDeps(world.env, world.infra(silentLog));
  const subscription = (await deps.subscriptions.get(subscriptionId!))!;
  const count = 4_000;
  const seeded = await seedDeliveries(deps.deliveries, { subscriptionIds: [subscriptionId!], events: count * 5, sample: body, type: EVENT_TYPE, prefix: 'parts' });
  const sentAt = new Date();
  const id = seeded.deliveries[0]!.deliveryId;
  const parts: Part[] = [];
  parts.push({ part: 'parseWakeup (JSON + zod)', cpuUs: await cpuPerCall(count, (i) => parseWakeup(seeded.wakeups[i]!)), note: 'per record' });
  parts.push({
    part: 'webhookRequest (headers + signature)',
    cpuUs: await cpuPerCall(count, () => webhookRequest({ subscription, deliveryId: id, body, sentAt, userAgent: USER_AGENT, timeoutMs: 5_000 })),
    note: 'per attempt',
  });
  parts.push({ part: '  of which signatureHeader (node:crypto HMAC)', cpuUs: await cpuPerCall(count, () => signatureHeader(subscription.signingSecrets!, id, sentAt, body)), note: '' });
  const library = new Webhook(subscription.signingSecrets![0]!.secret);
  parts.push({
    part: '  the same signature with the standardwebhooks library',
    cpuUs: await cpuPerCall(count, () => library.sign(id, sentAt, body)),
    note: 'what signing cost before 67cfc27 (pure-JS SHA-256)',
  });
  parts.push({ part: 'secretsOf(subscription)', cpuUs: await cpuPerCall(count, () => secretsOf(subscription)), note: 'every attempt, even with nothing to scrub' });
  let next = 0;
  world.dynamo.busyMs = 0;
  const storage = await cpuPerCall(count, async () => {
    const delivery = seeded.deliveries[next++]!;
    const now = new Date().toISOString();
    const event = await deps.deliveries.getEvent(delivery.eventId);
    const origin = { eventType: event!.type, createdAt: event!.receivedAt };
    const claimed = await deps.deliveries.claimAttempt({ deliveryId: delivery.deliveryId, attempt: 1 }, now, new Date(Date.now() + 60_000).toISOString(), origin);
    const attempt = { deliveryId: delivery.deliveryId, number: 1, trigger: 'initial' as const, startedAt: now, durationMs: 1, outcome: 'delivered' as const, statusCode: 200, responseBody: '' };
    await deps.deliveries.completeAttempt(claimed!, attempt, { status: 'delivered' }, now);
  });
  const fakeUs = (world.dynamo.busyMs * 1000) / (count * 5);
  parts.push({ part: 'storage: get event + claim (creates) + complete', cpuUs: storage, note: 'repository + SDK command objects + fake' });
  parts.push({ part: '  of which the in-memory fake itself', cpuUs: fakeUs, note: 'benchmark artefact; real AWS costs SDK marshalling + HTTPS instead' });
  await (deps.webhook as UndiciWebhookClient).close();

  // The HTTP part: product client vs raw request, same sink, 50 in flight, CPU per request.
  const client = new UndiciWebhookClient({ guard: { allowlist: parseAllowlist('127.0.0.0/8') } });
  const request0 = webhookRequest({ subscription, deliveryId: id, body, sentAt, userAgent: USER_AGENT, timeoutMs: 5_000 });
  const agent = new Agent({ keepAliveTimeout: 4_000 });
  const rawPost = async () => {
    const response = await request(sink.url, { dispatcher: agent, method: 'POST', headers: request0.headers, body });
    await response.body.text();
  };
  const clientCpu: number[] = [];
  const rawCpu: number[] = [];
  await drive(50, 2_000, rawPost);
  await drive(50, 2_000, async () => void (await client.post(request0)));
  for (let round = 0; round < 5; round += 1) {
    rawCpu.push((await drive(50, 10_000, rawPost)).cpuUs / 10_000);
    clientCpu.push((await drive(50, 10_000, async () => void (await client.post(request0)))).cpuUs / 10_000);
  }
  await client.close();
  await agent.close();
  parts.push({ part: 'HTTP: raw undici request, same headers (c=50)', cpuUs: median(rawCpu), note: 'per request' });
  parts.push({ part: 'HTTP: UndiciWebhookClient.post (c=50)', cpuUs: median(clientCpu), note: 'guard, whole-response timer, excerpt, socket-reuse yield' });
  return parts;
}

/** Forks this file as the Powertools child (stdout to /dev/null) and relays its sink questions. */
function runPowertoolsChild(port: number, askConnections: () => Promise<number>): Promise<Summary[]> {
  const devNull = openSync('/dev/null', 'w');
  const child = fork(__filename, [], {
    env: { ...process.env, BENCH_SENDER_CHILD: 'powertools', BENCH_SINK_PORT: String(port) },
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
        askConnections().then(
          (connections) => child.send({ type: 'connections', connections }),
          (error: unknown) => reject(error),
        );
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

function report(summaries: Summary[], parts: Part[], seconds: number): void {
  const rows: Array<Array<string | number>> = [
    ['concurrency', 'mode', 'deliveries/s (median)', 'vs raw (ratio of medians)', 'vs raw (paired median)', 'CPU µs/delivery', 'vs raw (CPU)', 'runs (/s)', 'new sink connections/run'],
  ];
  for (const s of summaries) {
    rows.push([
      s.concurrency,
      s.mode,
      fmt(s.medianPerSecond),
      s.mode === 'raw' ? '1.00' : fmt(s.ratioToRaw, 2),
      s.mode === 'raw' ? '1.00' : fmt(s.pairedRatio, 2),
      fmt(s.cpuUsPerDelivery, 0),
      s.mode === 'raw' ? '1.00' : fmt(s.cpuRatio, 2),
      s.runs.join(' '),
      s.connections,
    ]);
  }
  console.log('');
  console.log(table(rows));
  const sample = summaries.find((s) => s.mode === 'sender' && s.concurrency === 50) ?? summaries.find((s) => s.mode === 'sender');
  if (sample?.requestsPerDelivery) {
    console.log('');
    console.log('AWS requests per delivery (sender, concurrency 50, last run):');
    console.log(table([['request', 'per delivery'], ...Object.entries(sample.requestsPerDelivery).map(([op, n]) => [op, fmt(n, 4)])]));
  }
  const logged = summaries.filter((s) => s.logBytesPerDelivery !== undefined);
  if (logged.length > 0) console.log(`\nPowertools log + EMF bytes written to stdout per delivery: ${logged.map((s) => `${fmt(s.logBytesPerDelivery!, 0)} (c=${s.concurrency})`).join(', ')}`);
  console.log('\nWhere the CPU of one delivery goes (µs, medians, measured one part at a time):');
  console.log(table([['part', 'CPU µs', 'note'], ...parts.map((p) => [p.part, fmt(p.cpuUs, 1), p.note])]));
  const target = summaries.filter((s) => s.mode === 'sender');
  const worst = Math.min(...target.map((s) => s.ratioToRaw));
  const floors = target.map((s) => {
    const floor = summaries.find((f) => f.mode === 'raw+storage' && f.concurrency === s.concurrency)!;
    return `c=${s.concurrency}: ${fmt(s.medianPerSecond / floor.medianPerSecond, 2)} (CPU ${fmt(floor.cpuUsPerDelivery / s.cpuUsPerDelivery, 2)})`;
  });
  console.log(`Sender vs raw+storage (the same POST and the same three storage calls, none of the sender's own work): ${floors.join(', ')}`);
  console.log(`Target >= 0.80 of raw (sender, batch of 1, silent log): worst ratio ${fmt(worst, 2)} -> ${worst >= 0.8 ? 'met' : 'MISSED'}`);
  console.log(`total ${seconds} s`);
  writeResult('sender-throughput', { summaries, parts });
}

async function main(): Promise<void> {
  if (process.env.BENCH_SENDER_CHILD === 'powertools') return powertoolsChild();
  const started = Date.now();
  const sinkProcess = await forkChild<{ port: number }>(join(__dirname, 'lib', 'sink-process.ts'));
  const askConnections = async () =>
    (await sinkProcess.ask<{ stats: { connections: number } }>({ type: 'stats' }, 'stats')).stats.connections;
  try {
    const sink = await connectSink(sinkProcess.first.port, askConnections);
    console.log(`sender throughput: ${RUNS} runs of ~${RUN_MS} ms per mode and concurrency; sink pid ${sinkProcess.process.pid} on 127.0.0.1:${sinkProcess.first.port}`);
    const summaries: Summary[] = [];
    for (const concurrency of CONCURRENCIES) {
      const runners: Runner[] = [
        { mode: 'raw', run: (c, n) => rawRun(sink, c, n) },
        { mode: 'raw+storage', run: (c, n) => rawStorageRun(sink, c, n) },
        { mode: 'sender', run: (c, n) => senderRun(sink, c, n, { batch: 1, log: silentLog }) },
      ];
      if (concurrency >= 10) runners.push({ mode: 'sender-b10', run: (c, n) => senderRun(sink, c, n, { batch: 10, log: silentLog }) });
      const results = await measure(runners, concurrency, RUNS);
      summaries.push(...summarize(concurrency, results));
      console.log(`  concurrency ${concurrency} done (${Math.round((Date.now() - started) / 1000)} s)`);
    }

    const powertools = await runPowertoolsChild(sinkProcess.first.port, askConnections);
    summaries.push(...powertools);
    console.log(`  Powertools child done (${Math.round((Date.now() - started) / 1000)} s)`);
    const parts = await breakdown(sink);
    report(summaries, parts, Math.round((Date.now() - started) / 1000));
  } finally {
    await sinkProcess.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
