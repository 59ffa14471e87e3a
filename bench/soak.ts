// The chaos soak: 10,000 events x 3 subscriptions through the local runtime while 30 % of the
// receivers' responses fail, and the runtime is killed with SIGKILL three times and started again
// at once on the same data folder and port (as a supervisor would). Nothing accepted may be lost:
// at the end every delivery reached its receiver with a 2xx, or is recorded as failed after all its
// attempts (the receiver's deterministic faults predict which). Also reports duplicates (at least
// once: an attempt cut by a kill after the receiver answered goes out again), the sweeper's and the
// sender's duplicate wake-ups, the runtime's RSS, and how long each restart took to resume.
//
//   npm run bench:soak                      (BENCH_EVENTS=10000, BENCH_KILLS=3)
//   BENCH_EVENTS=1000 npm run bench:soak    (a short run)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { forkChild, type Child } from './lib/child';
import { positive } from './lib/env';
import { predictedAttempts } from './lib/failures';
import { writeResult } from './lib/results';
import { eventBody, sampleBody } from './lib/world';
import { localCredentials } from '../local/local-aws';
import { invokeLocal } from './lib/invoke-local';

const EVENTS = positive('BENCH_EVENTS', 10_000);
const KILLS = positive('BENCH_KILLS', 3);
const PORT = positive('BENCH_PORT', 4250);
const RATE = positive('BENCH_EVENTS_PER_SECOND', 40);
const SUBSCRIPTIONS = 3;
const FAIL_RATE = 0.3;
const SEED = 29;
const MAX_ATTEMPTS = 10;
const RETRY_BASE_DELAY_MS = 200;
const url = `http://127.0.0.1:${PORT}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Runtime = Child<{ url: string; pid: number }>;
interface Health {
  queues: Record<string, { visible: number; delayed: number; inFlight: number }>;
  schedules: number;
}

function startRuntime(dir: string): Promise<Runtime> {
  return forkChild(
    join(__dirname, 'lib', 'runtime-process.ts'),
    {
      env: {
        ...process.env,
        PORT: String(PORT),
        DATA_DIR: dir,
        RETRY_BASE_DELAY_MS: String(RETRY_BASE_DELAY_MS),
        MAX_ATTEMPTS: String(MAX_ATTEMPTS),
        RETRY_JITTER: '0',
        // Scaled down like the retry waits (a 102 s horizon here for about 47 h in production), so that
        // a delivery waiting behind an open circuit stays within its horizon as it would in production.
        CIRCUIT_FIRST_PROBE_MS: '200',
        CIRCUIT_MAX_PROBE_MS: '2000',
        SENDER_CONCURRENCY: '8',
        BENCH_RUNTIME_LOG: 'count',
      },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      execArgv: [...process.execArgv, '--heap-growing-percent=50'],
    },
    120_000,
  );
}

function invoke(name: string, payload: unknown): Promise<Record<string, unknown>> {
  return invokeLocal(url, name, payload);
}

/** Publishes every event once acknowledged; a batch refused while the runtime is down is sent again. */
async function publishAll(sqs: SQSClient, counter: { published: number; retried: number }): Promise<void> {
  const sample = sampleBody('donation');
  const queueUrl = `${url}/000000000000/events`;
  const everyMs = 10_000 / RATE;
  for (let start = 0; start < EVENTS; start += 10) {
    const entries = Array.from({ length: Math.min(10, EVENTS - start) }, (_, i) => ({
      Id: String(i),
      MessageBody: eventBody(sample, `soak-${start + i + 1}`),
    }));
    for (;;) {
      try {
        const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
        if ((result.Failed ?? []).length === 0) break;
      } catch {
        // Down (killed, restarting): the same batch again; a repeated event id is idempotent.
      }
      counter.retried += 1;
      await sleep(100);
    }
    counter.published += entries.length;
    await sleep(everyMs);
  }
}

async function health(): Promise<Health | undefined> {
  try {
    return (await (await fetch(`${url}/health`)).json()) as Health;
  } catch {
    return undefined;
  }
}

/** Queues (both lanes) and schedules empty three checks in a row. */
async function drained(limitMs: number): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  let quiet = 0;
  while (Date.now() < deadline) {
    const h = await health();
    const held = h
      ? ['events', 'deliveries', 'deliveries-slow'].reduce(
          (n, q) => n + h.queues[q].visible + h.queues[q].delayed + h.queues[q].inFlight,
          0,
        ) + h.schedules
      : 1;
    quiet = held === 0 ? quiet + 1 : 0;
    if (quiet >= 3) return true;
    await sleep(1_000);
  }
  return false;
}

interface ReceiverDump {
  requests: number;
  successes: number;
  failures: number;
  deliveries: Array<[string, { arrivals: number; deliveredAt?: number; afterSuccess: number }]>;
}

/** SIGKILL, then a new runtime on the same folder and port at once; how long until it answers. */
async function killAndRestart(current: Runtime, dir: string): Promise<{ runtime: Runtime; restartMs: number; rssMbBefore: number }> {
  const memory = await current.ask<NodeJS.MemoryUsage>({ type: 'memory' }, 'memory').catch(() => ({ rss: 0 }));
  const exited = new Promise((done) => current.process.once('exit', done));
  current.process.kill('SIGKILL');
  const killedAt = Date.now();
  await exited;
  const runtime = await startRuntime(dir);
  return { runtime, restartMs: Date.now() - killedAt, rssMbBefore: Math.round(memory.rss / 1_048_576) };
}

/** Deliveries the receivers never answered 2xx for, with their state in the runtime. */
async function missing(dump: ReceiverDump, subscriptionIds: string[]): Promise<{ givenUp: string[]; lost: string[] }> {
  const delivered = new Set(dump.deliveries.filter(([, d]) => d.deliveredAt !== undefined).map(([id]) => id));
  const givenUp: string[] = [];
  const lost: string[] = [];
  for (let i = 1; i <= EVENTS; i += 1) {
    for (const subscriptionId of subscriptionIds) {
      const id = `soak-${i}.${subscriptionId}`;
      if (delivered.has(id)) continue;
      const shown = await invoke('deliveries', { action: 'show', deliveryId: id }).catch(() => undefined);
      const status = (shown?.delivery as { status?: string } | undefined)?.status;
      (status === 'failed' ? givenUp : lost).push(`${id} (${status ?? 'unknown'})`);
    }
  }
  return { givenUp, lost };
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const dir = mkdtempSync(join(tmpdir(), 'bench-soak-'));
  const receivers = await forkChild<{ ports: number[] }>(join(__dirname, 'lib', 'receiver-process.ts'), {
    env: { ...process.env, BENCH_RECEIVERS: String(SUBSCRIPTIONS), BENCH_FAIL_RATE: String(FAIL_RATE), BENCH_SEED: String(SEED) },
  });
  let runtime = await startRuntime(dir);
  const sqs = new SQSClient({ endpoint: url, region: 'local', credentials: localCredentials(), maxAttempts: 1 });
  const started = Date.now();
  try {
    const subscriptionIds: string[] = [];
    for (const port of receivers.first.ports) {
      const created = await invoke('subscriptions', { action: 'create', url: `http://127.0.0.1:${port}/hook?token=soak-secret` });
      subscriptionIds.push((created.subscription as { id: string }).id);
    }
    const counter = { published: 0, retried: 0 };
    const publishing = publishAll(sqs, counter);
    // Kills spread over publishing and the retries after it: at a third, two thirds and the end of publishing.
    const restarts: Array<{ atSeconds: number; published: number; restartMs: number; rssMbBefore: number }> = [];
    for (let k = 1; k <= KILLS; k += 1) {
      const at = (EVENTS * k) / (KILLS + 0.5);
      while (counter.published < at) await sleep(200);
      const restart = await killAndRestart(runtime, dir);
      runtime = restart.runtime;
      restarts.push({
        atSeconds: Math.round((Date.now() - started) / 1000),
        published: counter.published,
        restartMs: restart.restartMs,
        rssMbBefore: restart.rssMbBefore,
      });
      process.stdout.write(`kill ${k}: ${JSON.stringify(restarts.at(-1))}\n`);
    }
    await publishing;
    const isDrained = await drained(30 * 60_000);
    const dump = await receivers.ask<ReceiverDump>({ type: 'dump' }, 'dump', 120_000);
    const memory = await runtime.ask<NodeJS.MemoryUsage>({ type: 'memory' }, 'memory');
    const stats = await runtime.ask<{ log: Record<string, number> }>({ type: 'stats' }, 'stats');
    const { givenUp, lost } = await missing(dump, subscriptionIds);
    const predictedGivenUp =
      dump.deliveries.length === 0
        ? 0
        : subscriptionIds
            .flatMap((s) => Array.from({ length: EVENTS }, (_, i) => `soak-${i + 1}.${s}`))
            .filter((id) => !predictedAttempts(SEED, id, FAIL_RATE, MAX_ATTEMPTS).delivered).length;
    const result = {
      events: EVENTS,
      subscriptions: SUBSCRIPTIONS,
      deliveries: EVENTS * SUBSCRIPTIONS,
      failRate: FAIL_RATE,
      kills: KILLS,
      minutes: Math.round((Date.now() - started) / 6_000) / 10,
      drained: isDrained,
      publishRetries: counter.retried,
      receiver: {
        requests: dump.requests,
        successes: dump.successes,
        failures: dump.failures,
        deliveredTwice: dump.deliveries.filter(([, d]) => d.afterSuccess > 0).length,
      },
      givenUp: givenUp.length,
      predictedGivenUp,
      lost: lost.length,
      lostIds: lost.slice(0, 20),
      restarts,
      rssMbAtEnd: Math.round(memory.rss / 1_048_576),
      runtimeLogSinceLastStart: stats.log,
    };
    writeResult('soak', result);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (lost.length > 0 || !isDrained) process.exitCode = 1;
  } finally {
    sqs.destroy();
    await runtime.stop();
    await receivers.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
