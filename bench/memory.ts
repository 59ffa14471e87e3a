// Memory of the local runtime under steady load. The runtime runs in a process of its own (as
// `npm start` does); this process publishes events at a steady rate through the SQS endpoint to
// three subscriptions whose receivers (a third process) fail 10 % of the responses, so retries,
// schedules and the attempt log all take part. Every 10 s it samples the runtime's RSS (and its V8
// heap, external and array buffers). After the warm-up, RSS must stay within 20 % (max vs min).
//
//   npm run bench:memory                               (20 min, 3 events/s, 5 min warm-up)
//   BENCH_MINUTES=3 BENCH_WARMUP_MINUTES=1 npm run bench:memory     (a short look)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueUrlCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { forkChild, type Child } from './lib/child';
import { positive } from './lib/env';
import { writeResult } from './lib/results';
import { eventBody, sampleBody } from './lib/world';
import { localCredentials } from '../local/local-aws';
import { invokeLocal } from './lib/invoke-local';

const MINUTES = positive('BENCH_MINUTES', 20);
const WARMUP_MINUTES = positive('BENCH_WARMUP_MINUTES', 5);
// Moderate: the machine is shared; what matters is a load the runtime keeps up with for the whole run
// (a growing backlog would grow memory by design: queued messages are held in memory).
const RATE = positive('BENCH_EVENTS_PER_SECOND', 3);
const SAMPLE_MS = 10_000;
/** The V8 flag `npm start` runs with (package.json): the old generation grows to 1.5x its live data before a full collection. */
const RUNTIME_NODE_FLAGS = (process.env.BENCH_RUNTIME_NODE_FLAGS ?? '--heap-growing-percent=50').split(' ').filter((f) => f !== '');
const SUBSCRIPTIONS = 3;
const FAIL_RATE = 0.1;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Sample {
  minute: number;
  rssMb: number;
  heapUsedMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  published: number;
  received: number;
}

const mb = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10;

async function subscribe(url: string, port: number): Promise<void> {
  await invokeLocal(url, 'subscriptions', { action: 'create', url: `http://127.0.0.1:${port}/hook?token=memory-bench` });
}

/** Publishes RATE events per second in batches of 10 until `until`; returns the count. */
async function publishSteadily(sqs: SQSClient, queueUrl: string, until: number, counter: { published: number }): Promise<void> {
  const sample = sampleBody('donation');
  const batchEveryMs = 10_000 / RATE;
  let next = Date.now();
  while (Date.now() < until) {
    const entries = Array.from({ length: 10 }, (_, i) => ({
      Id: String(i),
      MessageBody: eventBody(sample, `mem-${counter.published + i + 1}`),
    }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    counter.published += entries.length;
    next += batchEveryMs;
    await sleep(Math.max(0, next - Date.now()));
  }
}

async function sampleLoop(
  runtime: Child<{ url: string }>,
  receivers: Child<unknown>,
  until: number,
  started: number,
  counter: { published: number },
): Promise<Sample[]> {
  const samples: Sample[] = [];
  while (Date.now() < until) {
    await sleep(SAMPLE_MS);
    const memory = await runtime.ask<NodeJS.MemoryUsage>({ type: 'memory' }, 'memory');
    const progress = await receivers.ask<{ requests: number }>({ type: 'progress' }, 'progress');
    const sample = {
      minute: Math.round(((Date.now() - started) / 60_000) * 10) / 10,
      rssMb: mb(memory.rss),
      heapUsedMb: mb(memory.heapUsed),
      externalMb: mb(memory.external),
      arrayBuffersMb: mb(memory.arrayBuffers),
      published: counter.published,
      received: progress.requests,
    };
    samples.push(sample);
    process.stdout.write(`${JSON.stringify(sample)}\n`);
  }
  return samples;
}

function verdict(samples: Sample[]) {
  const after = samples.filter((s) => s.minute >= WARMUP_MINUTES);
  const rss = after.map((s) => s.rssMb);
  const min = Math.min(...rss);
  const max = Math.max(...rss);
  const spreadPercent = Math.round(((max - min) / min) * 1000) / 10;
  return {
    afterWarmup: after.length,
    rssMinMb: min,
    rssMaxMb: max,
    rssFirstMb: rss[0],
    rssLastMb: rss.at(-1),
    spreadPercent,
    flat: spreadPercent <= 20,
  };
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-memory-'));
  const receivers = await forkChild<{ ports: number[] }>(join(__dirname, 'lib', 'receiver-process.ts'), {
    env: { ...process.env, BENCH_RECEIVERS: String(SUBSCRIPTIONS), BENCH_FAIL_RATE: String(FAIL_RATE), BENCH_SEED: '11' },
  });
  // Its log goes where `npm start`'s would (Powertools JSON lines, here at INFO), and is dropped.
  const runtime = await forkChild<{ url: string }>(
    join(__dirname, 'lib', 'runtime-process.ts'),
    {
      env: {
        ...process.env,
        PORT: '0',
        DATA_DIR: dir,
        RETRY_BASE_DELAY_MS: '1000',
        MAX_ATTEMPTS: '5',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        BENCH_RUNTIME_LOG: 'stdout',
      },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      // The node flags `npm start` runs with (package.json), so the heap behaves as it does there.
      execArgv: [...process.execArgv, ...RUNTIME_NODE_FLAGS],
    },
    120_000,
  );
  const sqs = new SQSClient({ endpoint: runtime.first.url, region: 'local', credentials: localCredentials() });
  try {
    for (const port of receivers.first.ports) await subscribe(runtime.first.url, port);
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'events' }));
    const started = Date.now();
    const until = started + MINUTES * 60_000;
    const counter = { published: 0 };
    const [, samples] = await Promise.all([
      publishSteadily(sqs, QueueUrl!, until, counter),
      sampleLoop(runtime, receivers, until, started, counter),
    ]);
    const result = {
      minutes: MINUTES,
      warmupMinutes: WARMUP_MINUTES,
      eventsPerSecond: RATE,
      subscriptions: SUBSCRIPTIONS,
      failRate: FAIL_RATE,
      published: counter.published,
      ...verdict(samples),
      samples,
    };
    writeResult('memory', result);
    const { samples: _omitted, ...summary } = result;
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    if (!result.flat) process.exitCode = 1;
  } finally {
    sqs.destroy();
    await runtime.stop();
    await receivers.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
