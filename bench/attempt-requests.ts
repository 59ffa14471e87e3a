// The AWS requests and DynamoDB request units of one delivery, attempt by attempt
// (`npm run bench:requests`): a first attempt that succeeds, and a first attempt that fails (503)
// with its retry, which then succeeds. The real ingest and sender handlers against the counting fake
// (bench/lib/fake-dynamo.ts, fake-aws.ts); the receiver is a webhook client answering at once; the
// subscription's cache, version and concurrency slot are warm, as for a busy subscription. The
// event is the 985 B form_submission sample; responses are empty.
import { silentLog } from '../lambdas/domain/log';
import type { Clock, HttpResult, WebhookClient } from '../lambdas/domain/ports';
import { createIngestHandler } from '../lambdas/handlers/ingest';
import { createSenderHandler } from '../lambdas/handlers/sender';
import { buildIngestDeps, buildSendDeps } from '../lambdas/wiring/deps';
import { DELIVERIES_QUEUE_URL, eventBody, requestCounts, sampleBody, sqsEvent, unitCounts, World } from './lib/world';

const ROUNDS = Number(process.env.BENCH_REQUESTS_ROUNDS ?? 50);

let now = Date.parse('2026-11-30T08:00:00.000Z');
const clock: Clock = { now: () => new Date(now) };
let failNext = 0;
const receiver: WebhookClient = {
  post: (): Promise<HttpResult> => {
    const statusCode = failNext > 0 ? 503 : 200;
    failNext = Math.max(0, failNext - 1);
    return Promise.resolve({ kind: 'response', statusCode, headers: {}, body: '', durationMs: 5 });
  },
};

const world = new World({ clock });
const ingest = createIngestHandler(buildIngestDeps(world.env, world.infra(silentLog)));
const sender = createSenderHandler(buildSendDeps(world.env, world.infra(silentLog, { webhook: receiver })));
const sample = sampleBody('form_submission');

type Tally = Record<string, number>;

function add(into: Tally, from: Tally): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** Runs `work` and returns what it cost: requests by operation, and DynamoDB units. */
async function measured(work: () => Promise<void>): Promise<Tally> {
  world.resetCounts();
  await work();
  const units = unitCounts(world);
  return {
    ...requestCounts(world),
    'DynamoDB WRU (table)': units.wru,
    'DynamoDB WRU (indexes)': units.indexWru,
    'DynamoDB RRU': units.rru,
  };
}

/** Publishes one event to the one subscription, outside the counts; returns its first wake-up. */
async function publish(id: string): Promise<string> {
  await ingest(sqsEvent([eventBody(sample, id)]));
  const [message] = world.sqs.take(DELIVERIES_QUEUE_URL, 10);
  if (!message) throw new Error('no wake-up');
  return message.body;
}

async function nextWakeup(): Promise<string> {
  // The retry waits 5 minutes (SQS delay): let it pass.
  now += 6 * 60_000;
  const [message] = world.sqs.take(DELIVERIES_QUEUE_URL, 10);
  if (!message) throw new Error('no retry wake-up');
  return message.body;
}

async function main(): Promise<void> {
  await world.createSubscriptions(1, 'http://127.0.0.1:9/hook', silentLog);
  now += 10_000;
  // Warm: the subscription, its version and a concurrency slot, as for a subscription in use.
  await sender(sqsEvent([await publish('warm-up')]));
  const success: Tally = {};
  const failed: Tally = {};
  const retry: Tally = {};
  for (let i = 0; i < ROUNDS; i += 1) {
    now += 1000;
    const first = await publish(`ok-${i}`);
    add(success, await measured(async () => void (await sender(sqsEvent([first])))));
    now += 1000;
    const failing = await publish(`retry-${i}`);
    failNext = 1;
    add(failed, await measured(async () => void (await sender(sqsEvent([failing])))));
    const again = await nextWakeup();
    add(retry, await measured(async () => void (await sender(sqsEvent([again])))));
  }
  const names = [...new Set([...Object.keys(success), ...Object.keys(failed), ...Object.keys(retry)])].sort();
  console.log(
    'produced by: the counting fake; one sender invocation per attempt (batch of 1), warm subscription; per delivery, mean of',
    ROUNDS,
  );
  console.log(
    `${'request or unit'.padEnd(36)}  ${'successful 1st'.padStart(14)}  ${'failed 1st'.padStart(10)}  ${'its retry'.padStart(9)}`,
  );
  for (const name of names) {
    const cell = (t: Tally) => ((t[name] ?? 0) / ROUNDS).toFixed(2);
    console.log(`${name.padEnd(36)}  ${cell(success).padStart(14)}  ${cell(failed).padStart(10)}  ${cell(retry).padStart(9)}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
