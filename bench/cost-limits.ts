// The cost of per-subscription limits: the earlier per-delivery cost model (the all-in matrix is
// bench/cost.ts) run with and without the limit gate, and at a subscription's limits. From requests counted while the real
// handlers run the deployed pipeline (bench/lib/simulation.ts: ingest and sender with the counting
// fakes of benchmarks 1 and 2, real HTTP, simulated time for the production retry policy), priced
// with the one table in bench/lib/prices.ts.
//
//   npm run bench:cost-limits  (BENCH_COST_EVENTS=500 events x 2 subscriptions per scenario)
//
// Measured: every SQS/DynamoDB/Scheduler request and its request units (item sizes as stored, GSI
// writes included), Lambda invocations and in-process handler time, log bytes, HTTP bytes, stored
// bytes. Estimated (said where printed): the event source mapping's ReceiveMessage and
// DeleteMessageBatch (one each per batch), and the time each invocation waits on AWS and on the
// receiver, which the in-memory fakes do not have (ASSUMPTIONS below).
import { functionSpecs } from '../lib/functions';
import { PRICES, PRICES_AS_OF, PRICES_REGION, type PriceKey } from './lib/prices';
import { crossCheck } from './lib/cross-check';
import { writeResult } from './lib/results';
import { simulate, type SimulationResult } from './lib/simulation';
import { fmt, table } from './lib/stats';
import { positive } from './lib/env';

const EVENTS = positive('BENCH_COST_EVENTS', 500);
const SUBSCRIPTIONS = 2;
const TARGET_USD_PER_MILLION = 3;
/** Per-subscription limits may change the cost of a healthy delivery within its limits by at most this. */
const LIMITS_TARGET_CHANGE = 0.05;
/** The subscription at its limits: as in the end-to-end test. */
const AT_LIMIT = { maxConcurrency: 2, rateLimit: 20 };

/** What the fakes cannot measure. Round, typical figures; the sensitivity table shows what they move. */
const ASSUMPTIONS = {
  /** One DynamoDB or SQS request from Lambda in the same region, round trip. */
  awsRequestMs: 6,
  /** A receiver's answer to one POST (TLS to a warm connection, their processing). */
  receiverMs: 100,
  /** Lambda's own START/END/REPORT lines per invocation in CloudWatch Logs. */
  platformLogBytesPerInvocation: 300,
};

interface Line {
  component: string;
  perDelivery: number;
  price: PriceKey;
  /** In the brief's list (SQS, Lambda, DynamoDB request units, Scheduler) or an extra. */
  extra: boolean;
  how: string;
}

const sumValues = (record: Record<string, number>) => Object.values(record).reduce((n, v) => n + v, 0);

function lambdaGbSeconds(r: SimulationResult, fn: 'ingest' | 'sender', receiverMs: number, awsMs: number): number {
  const gb = functionSpecs[fn].memorySize / 1024;
  let gbs = 0;
  for (const inv of r.invocations) {
    if (inv.fn !== fn) continue;
    // Billed per started millisecond: handler CPU measured here, plus the waits real AWS and the receiver add.
    const ms = inv.ms + inv.sequentialRequests * awsMs + (fn === 'sender' ? receiverMs : 0);
    gbs += (gb * Math.ceil(ms)) / 1000;
  }
  return gbs;
}

function lines(
  r: SimulationResult,
  options = { receiverMs: ASSUMPTIONS.receiverMs, awsMs: ASSUMPTIONS.awsRequestMs, batchFill: 1 },
): Line[] {
  const n = r.deliveries;
  const invocations = (fn: 'ingest' | 'sender') => r.invocations.filter((i) => i.fn === fn).length;
  // batchFill < 1 models smaller batches than the simulation formed (1/10: one record per invocation).
  const scale = 1 / options.batchFill;
  const sqsOwn = r.sqsBilled;
  const esmRequests = r.esm.ingestReceives + r.esm.ingestDeletes + (r.esm.senderReceives + r.esm.senderDeletes) * scale;
  const out: Line[] = [
    {
      component: 'SQS: sends (CRM publish, wake-ups, retries, schedule targets)',
      perDelivery: sqsOwn / n,
      price: 'sqsRequest',
      extra: false,
      how: 'counted',
    },
    {
      component: 'SQS: event source mapping ReceiveMessage + DeleteMessageBatch',
      perDelivery: esmRequests / n,
      price: 'sqsRequest',
      extra: false,
      how: 'estimated: 1 + 1 per batch',
    },
    { component: `Lambda requests: ingest`, perDelivery: invocations('ingest') / n, price: 'lambdaRequest', extra: false, how: 'counted' },
    {
      component: `Lambda requests: sender`,
      perDelivery: (invocations('sender') * scale) / n,
      price: 'lambdaRequest',
      extra: false,
      how: 'counted',
    },
    {
      component: `Lambda GB-s: ingest (${functionSpecs.ingest.memorySize} MB)`,
      perDelivery: lambdaGbSeconds(r, 'ingest', 0, options.awsMs) / n,
      price: 'lambdaGbSecondArm',
      extra: false,
      how: `measured ms + ${options.awsMs} ms per sequential AWS request`,
    },
    {
      component: `Lambda GB-s: sender (${functionSpecs.sender.memorySize} MB)`,
      perDelivery: (lambdaGbSeconds(r, 'sender', options.receiverMs, options.awsMs) * scale) / n,
      price: 'lambdaGbSecondArm',
      extra: false,
      how: `measured ms + ${options.awsMs} ms per sequential AWS request + ${options.receiverMs} ms receiver`,
    },
  ];
  for (const [table, wru] of Object.entries(r.tableWru)) {
    out.push({
      component: `DynamoDB WRU: ${table} table`,
      perDelivery: wru / n,
      price: 'dynamoWru',
      extra: false,
      how: 'counted (item sizes)',
    });
  }
  for (const [index, wru] of Object.entries(r.indexWru)) {
    out.push({
      component: `DynamoDB WRU: ${index} GSI`,
      perDelivery: wru / n,
      price: 'dynamoWru',
      extra: false,
      how: 'counted (index entries)',
    });
  }
  out.push({ component: 'DynamoDB RRU', perDelivery: sumValues(r.rru) / n, price: 'dynamoRru', extra: false, how: 'counted (item sizes)' });
  out.push({
    component: 'EventBridge Scheduler invocations',
    perDelivery: (r.requests['Scheduler.Invocation'] ?? 0) / n,
    price: 'schedulerInvocation',
    extra: false,
    how: 'counted (waits > 15 min)',
  });
  out.push({
    component: 'SNS publishes',
    perDelivery: (r.requests['SNS.Publish'] ?? 0) / n,
    price: 'snsPublish',
    extra: false,
    how: 'counted',
  });
  out.push({
    component: 'DynamoDB storage, 30 days (GB-month)',
    perDelivery: sumValues(r.storageBytes) / n / 1024 ** 3,
    price: 'dynamoStorageGbMonth',
    extra: true,
    how: 'stored bytes + 100 B per item/entry',
  });
  const platformBytes = (invocations('ingest') + invocations('sender') * scale) * ASSUMPTIONS.platformLogBytesPerInvocation;
  out.push({
    component: 'CloudWatch Logs ingested (GB)',
    perDelivery: (r.logBytes.ingest + r.logBytes.sender * scale + platformBytes) / n / 1024 ** 3,
    price: 'logsIngestedGb',
    extra: true,
    how: `Powertools bytes measured + ${ASSUMPTIONS.platformLogBytesPerInvocation} B platform lines per invocation`,
  });
  out.push({
    component: 'Data out to receivers (GB)',
    perDelivery: r.httpBytes / n / 1024 ** 3,
    price: 'dataOutGb',
    extra: true,
    how: 'HTTP request bytes measured (no TLS overhead)',
  });
  return out;
}

const perMillion = (line: Line) => line.perDelivery * PRICES[line.price].usd * 1e6;

function totals(ls: Line[]): { core: number; all: number } {
  const core = ls.filter((l) => !l.extra).reduce((n, l) => n + perMillion(l), 0);
  return { core, all: ls.reduce((n, l) => n + perMillion(l), 0) };
}

function printScenario(name: string, r: SimulationResult): Line[] {
  const ls = lines(r);
  console.log(
    `\n${name}: ${r.options.events} events x ${r.options.subscriptions} subscriptions = ${r.deliveries} deliveries, ` +
      `${r.delivered} delivered, ` +
      `${r.attempts} attempts, ${r.invocations.filter((i) => i.fn === 'sender').length} sender and ` +
      `${r.invocations.filter((i) => i.fn === 'ingest').length} ingest invocations, ` +
      `${fmt(r.simulatedMinutes, 1)} simulated minutes, ${r.sweeps} sweeper runs (deliveries it had to put under watch: ` +
      `${r.sweeperWatched})`,
  );
  const rows: Array<Array<string | number>> = [['component', 'per delivery', 'unit price (USD)', 'USD per million deliveries', 'source']];
  for (const l of ls) {
    if (l.perDelivery === 0 && l.price !== 'schedulerInvocation') continue;
    rows.push([
      `${l.extra ? '(+) ' : ''}${l.component}`,
      l.perDelivery < 0.001 ? l.perDelivery.toExponential(3) : fmt(l.perDelivery, 4),
      PRICES[l.price].usd.toExponential(4),
      fmt(perMillion(l), 3),
      l.how,
    ]);
  }
  const t = totals(ls);
  rows.push(['total: SQS + Lambda + DynamoDB request units + Scheduler', '', '', fmt(t.core, 3), '']);
  rows.push(['total with (+) storage, logs, data transfer', '', '', fmt(t.all, 3), '']);
  console.log(table(rows));
  return ls;
}

function requestTable(results: Array<[string, SimulationResult]>): void {
  const keys = [...new Set(results.flatMap(([, r]) => Object.keys(r.requests)))].sort();
  const rows: Array<Array<string | number>> = [['AWS requests per delivery', ...results.map(([n]) => n)]];
  for (const k of keys) rows.push([k, ...results.map(([, r]) => fmt((r.requests[k] ?? 0) / r.deliveries, 3))]);
  rows.push([
    'SQS ReceiveMessage + DeleteMessageBatch (estimated)',
    ...results.map(([, r]) =>
      fmt((r.esm.ingestReceives + r.esm.ingestDeletes + r.esm.senderReceives + r.esm.senderDeletes) / r.deliveries, 3),
    ),
  ]);
  rows.push(['Lambda invocations', ...results.map(([, r]) => fmt(r.invocations.length / r.deliveries, 3))]);
  rows.push([
    'DynamoDB WRU (table + GSI)',
    ...results.map(([, r]) => fmt((sumValues(r.tableWru) + sumValues(r.indexWru)) / r.deliveries, 3)),
  ]);
  rows.push(['DynamoDB RRU', ...results.map(([, r]) => fmt(sumValues(r.rru) / r.deliveries, 3))]);
  rows.push(['conditional writes that failed', ...results.map(([, r]) => fmt(r.conditionalFailures / r.deliveries, 3))]);
  rows.push([
    'handler ms per delivery (in process)',
    ...results.map(([, r]) => fmt(r.invocations.reduce((n, i) => n + i.ms, 0) / r.deliveries, 3)),
  ]);
  rows.push([
    'Powertools log bytes per delivery',
    ...results.map(([, r]) => fmt((r.logBytes.ingest + r.logBytes.sender) / r.deliveries, 0)),
  ]);
  console.log(`\n${table(rows)}`);
}

function sensitivity(r: SimulationResult): void {
  const rows: Array<Array<string | number>> = [
    ['receiver answers in', 'records per sender invocation', 'core USD per million', 'of which Lambda'],
  ];
  for (const receiverMs of [20, 100, 500]) {
    for (const batchFill of [1, 0.1]) {
      const ls = lines(r, { receiverMs, awsMs: ASSUMPTIONS.awsRequestMs, batchFill });
      const lambda = ls
        .filter((l) => l.price === 'lambdaGbSecondArm' || l.price === 'lambdaRequest')
        .reduce((n, l) => n + perMillion(l), 0);
      rows.push([`${receiverMs} ms`, batchFill === 1 ? '10 (full batches)' : '1', fmt(totals(ls).core, 3), fmt(lambda, 3)]);
    }
  }
  console.log(`\n${table(rows)}`);
}

async function main(): Promise<void> {
  const started = Date.now();
  const common = { subscriptions: SUBSCRIPTIONS, batchSize: 10, senderInstances: 5, seed: 5, limitMs: 60_000 };
  // JIT warm-up: the first invocations of a process are several times slower than steady state.
  await simulate({ ...common, events: 100, failFirst: 0 });
  const withoutLimits = await simulate({ ...common, events: EVENTS, failFirst: 0, limits: 'off' });
  const success = await simulate({ ...common, events: EVENTS, failFirst: 0 });
  const atLimit = await simulate({ ...common, events: EVENTS, failFirst: 0, limits: AT_LIMIT, limitMs: 600_000 });
  const three = await simulate({ ...common, events: EVENTS, failFirst: 2 });
  const five = await simulate({ ...common, events: EVENTS, failFirst: 4 });

  console.log(`cost per million deliveries, ${PRICES_REGION} on-demand prices of ${PRICES_AS_OF}`);
  console.log(
    `assumptions (not measurable with in-memory fakes): ${ASSUMPTIONS.awsRequestMs} ms per AWS request, ` +
      `receiver answers in ${ASSUMPTIONS.receiverMs} ms, ` +
      `${ASSUMPTIONS.platformLogBytesPerInvocation} B of Lambda platform log lines per invocation; event source mapping: ` +
      `1 ReceiveMessage + 1 DeleteMessageBatch per batch, idle polling not included`,
  );
  const base = printScenario('successful deliveries (first attempt)', success);
  const threeLines = printScenario('deliveries that need three attempts (two 503s, retried after ~5 and ~10 min)', three);
  printScenario('extra: deliveries that need five attempts (the 4th and 5th wait > 15 min: Scheduler)', five);
  requestTable([
    ['first attempt', success],
    ['three attempts', three],
    ['five attempts', five],
  ]);
  const n = success.deliveries;
  const writes = [...Object.entries(success.tableWru), ...Object.entries(success.indexWru)]
    .map(([k, v]) => `${k} ${fmt(v / n, 2)}`)
    .join(', ');
  console.log(`\nwrite units of a successful delivery: ${writes}`);
  console.log('\nSensitivity of the success scenario to the assumptions (Lambda lines only change):');
  sensitivity(success);
  crossCheck(success);
  const limits = limitsReport(withoutLimits, success, atLimit);

  const t = totals(base);
  const t3 = totals(threeLines);
  const byComponent = new Map<string, number>();
  for (const l of base) {
    const group = l.component.startsWith('DynamoDB WRU') ? 'DynamoDB writes' : l.component.split(':')[0].replace(/^\(\+\) /, '');
    byComponent.set(group, (byComponent.get(group) ?? 0) + perMillion(l));
  }
  const [topName, topUsd] = [...byComponent].sort((a, b) => b[1] - a[1])[0];
  console.log(
    `\nper million successful deliveries: $${fmt(t.core, 2)} (SQS, Lambda, DynamoDB request units, Scheduler), ` +
      `$${fmt(t.all, 2)} with storage, logs and data transfer`,
  );
  console.log(
    `per million deliveries needing three attempts: $${fmt(t3.core, 2)} ($${fmt(t3.all, 2)} with storage, logs and data transfer)`,
  );
  console.log(`largest component: ${topName} ($${fmt(topUsd, 2)} per million, ${fmt((topUsd / t.all) * 100, 0)} %)`);
  console.log(
    `Target <= $${TARGET_USD_PER_MILLION} per million successful deliveries: ` +
      `${t.core <= TARGET_USD_PER_MILLION ? 'met' : 'MISSED'} (core), ${t.all <= TARGET_USD_PER_MILLION ? 'met' : 'MISSED'} (all)`,
  );
  console.log(`total ${Math.round((Date.now() - started) / 1000)} s`);
  writeResult('cost-limits', {
    prices: PRICES,
    pricesAsOf: PRICES_AS_OF,
    assumptions: ASSUMPTIONS,
    perMillion: { success: t, threeAttempts: t3 },
    limits,
    lines: {
      success: base.map((l) => ({ ...l, usdPerMillion: perMillion(l) })),
      threeAttempts: threeLines.map((l) => ({ ...l, usdPerMillion: perMillion(l) })),
    },
  });
}

/** The cost of the limit gate: a healthy delivery before and after, and one to a subscription at its limits. */
function limitsReport(before: SimulationResult, after: SimulationResult, atLimit: SimulationResult) {
  const core = (r: SimulationResult) => totals(lines(r)).core;
  const limitsWru = (r: SimulationResult) => (r.tableWru.limits ?? 0) / r.deliveries;
  const wru = (r: SimulationResult) => (sumValues(r.tableWru) + sumValues(r.indexWru)) / r.deliveries;
  const wakeups = (r: SimulationResult) => r.invocations.filter((i) => i.fn === 'sender').reduce((n, i) => n + i.records, 0) / r.deliveries;
  const rows: Array<Array<string | number>> = [
    [
      'per delivery',
      'no limit gate (before)',
      'default limits (after)',
      `at its limits (${AT_LIMIT.maxConcurrency} in flight, ${AT_LIMIT.rateLimit}/s)`,
    ],
  ];
  rows.push(['core USD per million', fmt(core(before), 3), fmt(core(after), 3), fmt(core(atLimit), 3)]);
  rows.push(['DynamoDB WRU (all tables and indexes)', fmt(wru(before), 3), fmt(wru(after), 3), fmt(wru(atLimit), 3)]);
  rows.push(['  of which the limits table', fmt(limitsWru(before), 4), fmt(limitsWru(after), 4), fmt(limitsWru(atLimit), 4)]);
  rows.push(['wake-ups handled (1 = no deferral)', fmt(wakeups(before), 3), fmt(wakeups(after), 3), fmt(wakeups(atLimit), 3)]);
  rows.push([
    'delivered',
    `${before.delivered} of ${before.deliveries}`,
    `${after.delivered} of ${after.deliveries}`,
    `${atLimit.delivered} of ${atLimit.deliveries}`,
  ]);
  console.log(`\nPer-subscription limits (bench/lib/simulation.ts with and without the sender's limit gate):\n${table(rows)}`);
  const change = core(after) / core(before) - 1;
  const met = Math.abs(change) <= LIMITS_TARGET_CHANGE;
  console.log(
    `healthy delivery within its limits: $${fmt(core(before), 3)} -> $${fmt(core(after), 3)} per million ` +
      `(${change >= 0 ? '+' : ''}${fmt(change * 100, 2)} %); ` +
      `target <= ${LIMITS_TARGET_CHANGE * 100} %: ${met ? 'met' : 'MISSED'}`,
  );
  console.log(
    `a delivery to a subscription at its limits: $${fmt(core(atLimit), 3)} per million (${fmt(core(atLimit) / core(before), 2)}x a ` +
      `healthy one)`,
  );
  return {
    before: core(before),
    after: core(after),
    change,
    met,
    atLimit: core(atLimit),
    limitsWruPerDelivery: { after: limitsWru(after), atLimit: limitsWru(atLimit) },
    wakeupsPerDelivery: { after: wakeups(after), atLimit: wakeups(atLimit) },
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
