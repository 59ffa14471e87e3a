// Benchmark: one event fanned out to 1, 100 and 1000 active subscriptions through the
// real ingest handler (createIngestHandler(buildIngestDeps(env, infra))), with the AWS clients faked
// in memory and counting. Prints the AWS requests by type and the handler time, and checks that the
// idempotency of fan-out holds: the event item (with the plan: one delivery per subscription) is a
// conditional put, the wake-ups go out only after that put succeeded, no delivery item is written
// (the first claim creates it), and a repeated event creates nothing new. Plus one unconditional
// fan-out log write per invocation (the sweeper's record of the batch).
//
//   npm run bench:fanout            (BENCH_REPEATS=15)
//
// "cold": a fresh function instance (empty subscription cache, so the two subscription queries are
// made); "warm": the instance of the previous invocation, once the subscriptions' version has
// settled (cache hit, as in a running service). Both read the version once per invocation.
import { PLAN_CHUNK_IDS, PLAN_INLINE_IDS } from '../lambdas/adapters/dynamo/event-plan';
import { silentLog } from '../lambdas/domain/log';
import { createIngestHandler } from '../lambdas/handlers/ingest';
import { buildIngestDeps } from '../lambdas/wiring/deps';
import { writeResult } from './lib/results';
import { fmt, median, percentile, table } from './lib/stats';
import { DELIVERIES_QUEUE_URL, eventBody, requestCounts, sampleBody, sqsEvent, unitCounts, World } from './lib/world';
import { positive } from './lib/env';
import { itemSize } from './lib/capacity';
import { settledClock } from './lib/settled-clock';
import { sdkTimings } from './lib/fanout-sdk';

const SUBSCRIPTIONS = [1, 100, 1000];
const REPEATS = positive('BENCH_REPEATS', 15);
const TARGET_REQUESTS_AT_1000 = 150;
/** Wall-clock bound of one scenario's repeats (each repeat is also bounded by the handler's own work). */
const SCENARIO_LIMIT_MS = 60_000;
const sample = sampleBody('donation');

interface Invocation {
  ms: number;
  requests: Record<string, number>;
  units: { wru: number; indexWru: number; rru: number };
  conditionalWrites: number;
  conditionalFailures: number;
  wakeups: number;
}

type Handler = ReturnType<typeof createIngestHandler>;

/** One invocation with `bodies` as its batch: time, and what it cost. */
async function invoke(world: World, handler: Handler, bodies: string[]): Promise<Invocation> {
  world.resetCounts();
  world.sqs.clear();
  const start = performance.now();
  const out = await handler(sqsEvent(bodies));
  const ms = performance.now() - start;
  if (out.batchItemFailures.length > 0) throw new Error(`ingest reported ${out.batchItemFailures.length} failed messages`);
  return {
    ms,
    requests: requestCounts(world),
    units: unitCounts(world),
    conditionalWrites: world.dynamo.counts.conditionalWrites,
    conditionalFailures: world.dynamo.counts.conditionalFailures,
    wakeups: world.sqs.depth(DELIVERIES_QUEUE_URL),
  };
}

function sameCounts(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => (a[k] ?? 0) === (b[k] ?? 0));
}

function total(requests: Record<string, number>): number {
  return Object.values(requests).reduce((n, v) => n + v, 0);
}

interface Scenario {
  subscriptions: number;
  eventsPerInvocation: number;
  cold: Invocation[];
  warm: Invocation[];
  repeated: Invocation;
  deliveriesPerEvent: number;
  /** Bytes of the first event's item (body and plan), as DynamoDB sizes it. */
  eventItemBytes: number;
  planChunkItems: number;
  planChunkBytes: number;
}

/** Today's per-key load of one large event: every attempt reads its item strongly consistent. */
/** What one event leaves in the events table; attempts read none of it while its body fits into their wake-ups. */
function eventStorage(s: Scenario): string {
  return (
    `the event at ${s.subscriptions} subscriptions (counting fake): its item ${fmt(s.eventItemBytes)} B, ` +
    `its plan in ${s.planChunkItems} chunk items (${fmt(s.planChunkBytes)} B); first attempts read none of it ` +
    `(the body rides in the wake-up; per-key rates: npm run bench:hotkeys)`
  );
}

async function scenario(subscriptions: number, eventsPerInvocation: number): Promise<Scenario> {
  const clock = settledClock();
  const world = new World({ clock });
  await world.createSubscriptions(subscriptions, 'https://hooks.example.org/crm?token=s3cr3t-bench', silentLog);
  const deadline = Date.now() + SCENARIO_LIMIT_MS;
  let serial = 0;
  const batch = () => Array.from({ length: eventsPerInvocation }, () => eventBody(sample, `fan-${subscriptions}-${(serial += 1)}`));
  const fresh = () => createIngestHandler(buildIngestDeps(world.env, world.infra(silentLog)));

  // One untimed invocation first: module code and the fakes are JIT-cold in the first call.
  await invoke(world, fresh(), batch());
  const cold: Invocation[] = [];
  for (let r = 0; r < REPEATS && Date.now() < deadline; r += 1) cold.push(await invoke(world, fresh(), batch()));
  const handler = fresh();
  const firstBatch = batch();
  await invoke(world, handler, firstBatch);
  clock.settle();
  await invoke(world, handler, batch());
  const warm: Invocation[] = [];
  for (let r = 0; r < REPEATS && Date.now() < deadline; r += 1) warm.push(await invoke(world, handler, batch()));

  // The same first event again (a redelivered message, or the CRM publishing it twice).
  const deliveriesBefore = world.dynamo.items('deliveries').length;
  const repeated = await invoke(world, handler, [firstBatch[0]]);
  const deliveriesAfter = world.dynamo.items('deliveries').length;
  if (deliveriesAfter !== deliveriesBefore) throw new Error(`a repeated event created ${deliveriesAfter - deliveriesBefore} deliveries`);
  if (repeated.conditionalFailures !== 1 || repeated.requests['DynamoDB.BatchWriteItem']) {
    throw new Error('a repeated event did not take the conditional path');
  }

  for (const list of [cold, warm]) {
    for (const inv of list) {
      if (!sameCounts(inv.requests, list[0].requests)) throw new Error('request counts differ between repeats of the same invocation');
      if (inv.wakeups !== subscriptions * eventsPerInvocation)
        throw new Error(`${inv.wakeups} wake-ups for ${subscriptions * eventsPerInvocation} deliveries`);
      // Idempotency of fan-out: one conditional write per event (its item); no delivery item at fan-out.
      if (inv.conditionalWrites !== eventsPerInvocation || inv.conditionalFailures !== 0)
        throw new Error('the event puts were not conditional');
      if (inv.requests['DynamoDB.PutItem'] !== eventsPerInvocation * (1 + planChunks(subscriptions)) + 1)
        throw new Error(`expected per event its put and its plan's chunks, and one fan-out log put: ${JSON.stringify(inv.requests)}`);
    }
  }
  if (world.dynamo.items('deliveries').length > 0) throw new Error('fan-out wrote delivery items; the first claim should create them');
  const event = world.dynamo.items('events').find((e) => e.eventId === `fan-${subscriptions}-1`);
  const perEvent = (event?.planSize as number | undefined) ?? (event?.subscriptionIds as string[] | undefined)?.length ?? 0;
  const chunks = world.dynamo.items('events').filter((e) => String(e.eventId).startsWith(`fan-${subscriptions}-1 `));
  return {
    subscriptions,
    eventsPerInvocation,
    cold,
    warm,
    repeated,
    deliveriesPerEvent: perEvent,
    eventItemBytes: event ? itemSize(event) : 0,
    planChunkItems: chunks.length,
    planChunkBytes: chunks.reduce((n, c) => n + itemSize(c), 0),
  };
}

/** Plan chunk items per event: a plan longer than PLAN_INLINE_IDS is written in chunks of its own (event-plan.ts). */
function planChunks(subscriptions: number): number {
  return subscriptions > PLAN_INLINE_IDS ? Math.ceil(subscriptions / PLAN_CHUNK_IDS) : 0;
}

const COLUMNS = ['DynamoDB.Query', 'DynamoDB.PutItem', 'DynamoDB.BatchWriteItem', 'SQS.SendMessageBatch'];

function row(label: string, s: Scenario, inv: Invocation, times?: number[]): Array<string | number> {
  const other = total(inv.requests) - COLUMNS.reduce((n, k) => n + (inv.requests[k] ?? 0), 0);
  return [
    s.subscriptions,
    s.eventsPerInvocation,
    label,
    ...COLUMNS.map((k) => inv.requests[k] ?? 0),
    other,
    total(inv.requests),
    fmt(inv.units.wru, 0),
    fmt(inv.units.indexWru, 0),
    fmt(inv.units.rru, 1),
    times ? fmt(median(times), 2) : fmt(inv.ms, 2),
    times ? fmt(percentile(times, 90), 2) : '',
  ];
}

async function main(): Promise<void> {
  const started = Date.now();
  const scenarios: Scenario[] = [];
  for (const n of SUBSCRIPTIONS) scenarios.push(await scenario(n, 1));
  // The stack's batch size: ten events in one invocation share the queries and the batches.
  scenarios.push(await scenario(100, 10));

  const rows: Array<Array<string | number>> = [
    [
      'subscriptions',
      'events',
      'instance',
      ...COLUMNS,
      'other',
      'AWS requests',
      'table WRU',
      'GSI WRU',
      'RRU',
      'handler ms (median)',
      'p90',
    ],
  ];
  for (const s of scenarios) {
    rows.push(
      row(
        'cold',
        s,
        s.cold[0],
        s.cold.map((i) => i.ms),
      ),
    );
    rows.push(
      row(
        'warm',
        s,
        s.warm[0],
        s.warm.map((i) => i.ms),
      ),
    );
    rows.push(row('repeated event', s, s.repeated));
  }
  console.log(`fan-out through the ingest handler, ${REPEATS} repeats per line (medians)`);
  console.log(
    'produced by: the counting fake (bench/lib/fake-dynamo.ts, fake-aws.ts): counts and request units; ' +
      'its handler ms leave out the AWS SDK\n',
  );
  console.log(table(rows));
  const repeatedOps = (s: Scenario) =>
    Object.entries(s.repeated.requests)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  console.log(
    `\nrepeated event (1000 subscriptions): ${repeatedOps(scenarios[2])}; no delivery created, ` +
      `the due ones re-woken (the sender's claim drops the extra wake-ups)`,
  );
  const thousand = scenarios.find((s) => s.subscriptions === 1000 && s.eventsPerInvocation === 1)!;
  const worst = total(thousand.cold[0].requests);
  console.log(
    `deliveries planned per event at 1000 subscriptions (the event item's plan; each item is created by its first claim): ` +
      `${thousand.deliveriesPerEvent}`,
  );
  console.log(
    `Target <= ${TARGET_REQUESTS_AT_1000} AWS requests for one event to 1000 subscriptions (cold instance): ` +
      `${worst} -> ${worst <= TARGET_REQUESTS_AT_1000 ? 'met' : 'MISSED'}`,
  );
  console.log(
    `Idempotency: 1 conditional PutItem per event (after its plan's chunks, if any; +1 fan-out log put per invocation), ` +
      `wake-ups only after it succeeded, ` +
      `no delivery item written at fan-out, a repeated event creates 0 deliveries: checked`,
  );
  console.log(eventStorage(thousand));
  const timings = await sdkTimings(
    [
      [1, 1],
      [100, 1],
      [1000, 1],
      [100, 10],
    ],
    REPEATS,
  );
  console.log(`total ${Math.round((Date.now() - started) / 1000)} s`);
  writeResult('fanout', {
    sdkTimings: timings,
    repeats: REPEATS,
    scenarios: scenarios.map((s) => ({
      subscriptions: s.subscriptions,
      eventsPerInvocation: s.eventsPerInvocation,
      cold: { requests: s.cold[0].requests, units: s.cold[0].units, medianMs: median(s.cold.map((i) => i.ms)) },
      warm: { requests: s.warm[0].requests, units: s.warm[0].units, medianMs: median(s.warm.map((i) => i.ms)) },
      repeated: { requests: s.repeated.requests, units: s.repeated.units, ms: s.repeated.ms },
    })),
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
