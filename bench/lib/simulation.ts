// The deployed pipeline in one process, for counting what it costs: the CRM publishes events to the
// events queue; the event source mapping hands batches of 10 to the real ingest handler, then to the
// real sender handlers (each "instance" its own deps, cache and logger, one invocation at a time, as
// in Lambda); retries come back through SQS delays or EventBridge Scheduler. Time is simulated: when
// nothing is visible the clock jumps to the next delayed message or schedule, so the production
// retry policy (5 min, doubling, jitter) runs in seconds. The AWS clients are the counting fakes, the
// HTTP is real (receivers on 127.0.0.1 in a child process), the logs are the Powertools logger and
// metrics as the Lambda entries wire them, with stdout counted and swallowed. The sweeper runs every
// 5 simulated minutes and once more after the grace period at the end, so its reads of each event
// (the fan-out log pass) are counted with the rest.
import { join } from 'node:path';
import type { UndiciWebhookClient } from '../../lambdas/adapters/http/webhook-client';
import { silentLog } from '../../lambdas/domain/log';
import type { Clock } from '../../lambdas/domain/ports';
import { createIngestHandler } from '../../lambdas/handlers/ingest';
import { createSenderHandler } from '../../lambdas/handlers/sender';
import { createSweeperHandler } from '../../lambdas/handlers/sweeper';
import { defaults } from '../../lambdas/config';
import { buildIngestDeps, buildSendDeps, buildSweepDeps } from '../../lambdas/wiring/deps';
import { createLogger, logOf } from '../../lambdas/wiring/log';
import { lambdaHandler } from '../../lambdas/wiring/lambda-handler';
import { PowertoolsMetrics } from '../../lambdas/wiring/metrics';
import { invocationStoreReady, invoker } from '../../local/lambda-context';
import { forkChild, type Child } from './child';
import { seededRandom } from './stats';
import { DELIVERIES_QUEUE_URL, EVENTS_QUEUE_URL, eventBody, requestCounts, sampleBody, sqsEvent, World } from './world';

export interface SimulationOptions {
  events: number;
  subscriptions: number;
  /** Responses that fail (503) before the one that succeeds, per delivery: 0, or 2 for three attempts. */
  failFirst: number;
  /** Records per event source mapping batch (the stack's SQS_BATCH_SIZE). */
  batchSize: number;
  /** Sender instances, each with its own caches (the stack caps concurrency at 20). */
  senderInstances: number;
  seed: number;
  /** Wall-clock bound of the whole simulation. */
  limitMs: number;
  /** Per-subscription limits: `off` runs the sender without its limit gate (as before there were limits). */
  limits?: 'off' | { maxConcurrency?: number; rateLimit?: number };
  /** The event body published (a sample with its id replaced per event); default the donation sample. */
  sample?: string;
  /** Bytes of the receivers' 2xx answers; default 0. */
  responseBytes?: number;
  /**
   * A receiver process to share between simulations (forking one per simulation takes seconds on a
   * loaded machine); it must have been started with the same failures and response size. Its
   * counts are taken as differences, and it is left running.
   */
  receivers?: Receivers;
}

export type Receivers = Child<{ ports: number[] }>;

/** The receivers a simulation POSTs to, in a process of their own. */
export function startReceivers(failFirst: number, responseBytes = 0): Promise<Receivers> {
  return forkChild<{ ports: number[] }>(join(__dirname, 'receiver-process.ts'), {
    env: {
      ...process.env,
      BENCH_RECEIVERS: '1',
      BENCH_FAIL_FIRST: String(failFirst),
      BENCH_FAIL_RATE: '0',
      BENCH_RESPONSE_BYTES: String(responseBytes),
    },
  });
}

export interface Invocation {
  fn: 'ingest' | 'sender';
  records: number;
  /** Measured handler time in this process (no network latency to AWS: the fakes answer at once). */
  ms: number;
  /** This process's CPU time during the invocation (steadier than `ms` on a loaded machine). */
  cpuMs: number;
  /** AWS requests the invocation made (to model its waits on real AWS). */
  awsRequests: number;
  /** Of those, the ones made one after another on the longest path (see cost.ts). */
  sequentialRequests: number;
}

export interface SimulationResult {
  options: SimulationOptions;
  deliveries: number;
  delivered: number;
  attempts: number;
  requests: Record<string, number>;
  sqsBilled: number;
  /** Event source mapping polls: one ReceiveMessage and one DeleteMessageBatch per non-empty batch (estimated). */
  esm: { ingestReceives: number; ingestDeletes: number; senderReceives: number; senderDeletes: number };
  tableWru: Record<string, number>;
  indexWru: Record<string, number>;
  rru: Record<string, number>;
  conditionalFailures: number;
  invocations: Invocation[];
  logBytes: { ingest: number; sender: number };
  storageBytes: Record<string, number>;
  /** HTTP request bytes the receivers got (request line, headers, body). */
  httpBytes: number;
  simulatedMinutes: number;
  /** Sweeper runs (a fixed rate in AWS, every 5 minutes: not a cost per delivery). */
  sweeps: number;
  /** Deliveries the sweeper had to put under watch (none when every wake-up arrives). */
  sweeperWatched: number;
}

const SWEEP_EVERY_MS = 5 * 60_000;

class SimClock implements Clock {
  ms = Date.now();
  now(): Date {
    return new Date(this.ms);
  }
}

type Fn = 'ingest' | 'sender';

/** Powertools writes to process.stdout; during a simulation its bytes are counted per function and dropped. */
function captureStdout(): { current: { fn: Fn | undefined }; bytes: Record<Fn, number>; restore(): void } {
  const bytes: Record<Fn, number> = { ingest: 0, sender: 0 };
  const current: { fn: Fn | undefined } = { fn: undefined };
  const original = process.stdout.write;
  process.stdout.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (current.fn) bytes[current.fn] += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    const callback = rest.find((r): r is () => void => typeof r === 'function');
    callback?.();
    return true;
  };
  return { current, bytes, restore: () => void (process.stdout.write = original) };
}

export async function simulate(options: SimulationOptions): Promise<SimulationResult> {
  const receivers = options.receivers ?? (await startReceivers(options.failFirst, options.responseBytes));
  const counted = await receivers.ask<{ requests: number; bytes: number }>({ type: 'progress' }, 'progress');
  const clock = new SimClock();
  // The production retry policy and cache times (lambdas/config.ts defaults): nothing overridden.
  const world = new World({ clock });
  const stdout = captureStdout();
  const webhooks: UndiciWebhookClient[] = [];
  try {
    const url = `http://127.0.0.1:${receivers.first.ports[0]}/hook?token=sim-bench-secret`;
    await world.createSubscriptions(options.subscriptions, url, silentLog, options.limits === 'off' ? {} : options.limits);
    world.resetCounts();
    const random = seededRandom(options.seed);
    await invocationStoreReady();

    const instance = <H>(build: (log: ReturnType<typeof logOf>, metrics: PowertoolsMetrics) => H) => {
      const metrics = new PowertoolsMetrics();
      return build(logOf(createLogger()), metrics);
    };
    const ingest = instance((log, metrics) =>
      invoker(lambdaHandler(createIngestHandler(buildIngestDeps(world.env, world.infra(log, { metrics }))), { log, metrics }), 'ingest'),
    );
    const senders = Array.from({ length: options.senderInstances }, () =>
      instance((log, metrics) => {
        const deps = buildSendDeps(world.env, world.infra(log, { metrics, random }));
        if (options.limits === 'off') delete deps.limits;
        webhooks.push(deps.webhook as UndiciWebhookClient);
        return invoker(lambdaHandler(createSenderHandler(deps), { log, metrics }), 'sender');
      }),
    );

    const sweeper = createSweeperHandler(buildSweepDeps(world.env, world.infra(silentLog)));
    let sweeps = 0;
    let sweeperWatched = 0;
    const sweep = async () => {
      sweeps += 1;
      sweeperWatched += (await sweeper()).watched;
    };

    const sample = options.sample ?? sampleBody('donation');
    const bodies = Array.from({ length: options.events }, (_, i) => eventBody(sample, `sim-${options.seed}-${i + 1}`));
    for (let i = 0; i < bodies.length; i += 10) world.sqs.deliverBatch(EVENTS_QUEUE_URL, bodies.slice(i, i + 10), 'CRM publish');

    const esm = { ingestReceives: 0, ingestDeletes: 0, senderReceives: 0, senderDeletes: 0 };
    const invocations: Invocation[] = [];
    const startClock = clock.ms;
    const deadline = Date.now() + options.limitMs;
    let nextSender = 0;
    let nextSweep = clock.ms + SWEEP_EVERY_MS;

    const run = async (
      fn: Fn,
      handler: (event: ReturnType<typeof sqsEvent>) => Promise<{ batchItemFailures: unknown[] }>,
      batch: string[],
    ) => {
      const before = requestCounts(world);
      stdout.current.fn = fn;
      const start = performance.now();
      const cpu = process.cpuUsage();
      const out = await handler(sqsEvent(batch));
      const used = process.cpuUsage(cpu);
      const ms = performance.now() - start;
      stdout.current.fn = undefined;
      if (out.batchItemFailures.length > 0) throw new Error(`${fn} reported ${out.batchItemFailures.length} failed records`);
      const after = requestCounts(world);
      const delta: Record<string, number> = {};
      for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) > 0) delta[k] = v - (before[k] ?? 0);
      const awsRequests = Object.values(delta).reduce((n, v) => n + v, 0);
      invocations.push({
        fn,
        records: batch.length,
        ms,
        cpuMs: (used.user + used.system) / 1000,
        awsRequests,
        sequentialRequests: sequential(fn, delta, batch.length),
      });
    };

    for (let steps = 0; ; steps += 1) {
      if (Date.now() > deadline || steps > 1_000_000) throw new Error(`simulation did not finish within ${options.limitMs} ms`);
      if (clock.ms >= nextSweep) {
        await sweep();
        nextSweep += SWEEP_EVERY_MS;
      }
      let batch = world.sqs.take(EVENTS_QUEUE_URL, options.batchSize);
      if (batch.length > 0) {
        esm.ingestReceives += 1;
        esm.ingestDeletes += 1;
        await run(
          'ingest',
          ingest,
          batch.map((m) => m.body),
        );
        continue;
      }
      for (const schedule of world.scheduler.due(clock.ms))
        world.sqs.deliver(DELIVERIES_QUEUE_URL, schedule.input, 'EventBridge Scheduler target');
      batch = world.sqs.take(DELIVERIES_QUEUE_URL, options.batchSize);
      if (batch.length > 0) {
        esm.senderReceives += 1;
        esm.senderDeletes += 1;
        const sender = senders[nextSender++ % senders.length];
        await run(
          'sender',
          sender,
          batch.map((m) => m.body),
        );
        continue;
      }
      const next = [world.sqs.nextVisibleAt(DELIVERIES_QUEUE_URL), world.sqs.nextVisibleAt(EVENTS_QUEUE_URL), world.scheduler.nextAt()]
        .filter((t): t is number => t !== undefined)
        .reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
      if (next === Number.POSITIVE_INFINITY) break;
      clock.ms = Math.max(clock.ms, Math.min(next, nextSweep));
    }
    // Once the last event's minute is past the grace period, the sweeper looks at every event once.
    clock.ms += defaults.sweepGraceMs + 2 * 60_000;
    await sweep();

    const deliveries = world.dynamo.items('deliveries');
    const progress = await receivers.ask<{ requests: number; bytes: number }>({ type: 'progress' }, 'progress');
    const c = world.dynamo.counts;
    const requests: Record<string, number> = {};
    for (const [k, v] of Object.entries(requestCounts(world))) requests[k] = v;
    return {
      options,
      deliveries: deliveries.length,
      delivered: deliveries.filter((d) => d.status === 'delivered').length,
      attempts: progress.requests - counted.requests,
      requests,
      sqsBilled: world.counts.sqsBilled,
      esm,
      tableWru: Object.fromEntries(c.tableWru),
      indexWru: Object.fromEntries(c.indexWru),
      rru: Object.fromEntries(c.rru),
      conditionalFailures: c.conditionalFailures,
      invocations,
      logBytes: { ...stdout.bytes },
      storageBytes: world.dynamo.storageBytes(),
      httpBytes: progress.bytes - counted.bytes,
      simulatedMinutes: (clock.ms - startClock) / 60_000,
      sweeps,
      sweeperWatched,
    };
  } finally {
    stdout.restore();
    await Promise.all(webhooks.map((w) => w.close()));
    if (!options.receivers) await receivers.stop();
  }
}

/**
 * The requests of one invocation that wait for each other. Ingest: the event puts run in parallel
 * (one wait), the subscription queries in parallel (one wait), the BatchWriteItem and
 * SendMessageBatch calls one after another. Sender: the records of a batch run in parallel and each
 * record's requests in sequence, so the longest path is about one record's share.
 */
function sequential(fn: Fn, delta: Record<string, number>, records: number): number {
  if (fn === 'ingest') {
    return (
      (delta['DynamoDB.Query'] ? 1 : 0) +
      (delta['DynamoDB.PutItem'] ? 1 : 0) +
      (delta['DynamoDB.GetItem'] ? 1 : 0) +
      (delta['DynamoDB.BatchWriteItem'] ?? 0) +
      (delta['SQS.SendMessageBatch'] ?? 0) +
      (delta['SQS.SendMessage'] ?? 0)
    );
  }
  const total = Object.values(delta).reduce((n, v) => n + v, 0);
  return Math.ceil(total / records);
}
