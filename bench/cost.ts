// AWS cost per million successful deliveries, all in: SQS, Lambda requests and GB-s, DynamoDB
// request units, storage and point-in-time recovery, EventBridge Scheduler, CloudWatch Logs and data
// out, for batches of 1, 3 and 10, receiver responses of 0, 600 B and 4 KB, and events of 403 B,
// 985 B and 10 KB (bench/lib/event-sizes.ts). Prices: the one table in bench/lib/prices.ts.
//
//   npm run bench:cost        (BENCH_COST_EVENTS=200 events x 2 subscriptions per cell,
//                              BENCH_COST_CALIBRATION=300 records x BENCH_COST_CALIBRATION_ROUNDS=5)
//
// Two sources, said on every line:
// - counted on the counting fake (bench/lib/simulation.ts: the real ingest, sender and sweeper
//   handlers on the deployed pipeline, simulated time, real HTTP): every SQS / DynamoDB / Scheduler
//   request and its request units (item sizes as stored), invocations, log bytes, HTTP bytes, stored
//   bytes. The fake is good for counting only: its in-process time leaves out the AWS SDK.
// - measured with the real AWS SDK over HTTP against dynalite (bench/lib/sdk-calibration.ts): the
//   sender's CPU per record, per batch size, which gives the Lambda duration with the waits below.
// Estimated (ASSUMPTIONS): the event source mapping's ReceiveMessage and DeleteMessageBatch, the
// round trip of an AWS request, the receiver's answer time, Lambda's CPU share at its memory size.
import { functionSpecs } from '../lib/functions';
import { defaults } from '../lambdas/config';
import { eventSizes, RESPONSE_SIZES, type EventSize } from './lib/event-sizes';
import { positive } from './lib/env';
import { PRICES, PRICES_AS_OF, PRICES_REGION, type PriceKey } from './lib/prices';
import { crossCheck } from './lib/cross-check';
import { writeResult } from './lib/results';
import { calibrateSenderCpu, type Calibration } from './lib/sdk-calibration';
import { simulate, startReceivers, type SimulationOptions, type SimulationResult } from './lib/simulation';
import { fmt, table } from './lib/stats';

const EVENTS = positive('BENCH_COST_EVENTS', 200);
const CALIBRATION_RECORDS = positive('BENCH_COST_CALIBRATION', 300);
const CALIBRATION_ROUNDS = positive('BENCH_COST_CALIBRATION_ROUNDS', 5);
const SUBSCRIPTIONS = 2;
const BATCHES = [1, 3, 10];
/** The cells the targets are stated for: full batches and batches of 1, the 985 B event, 600 B responses. */
const TARGETS = [
  { batch: 10, eventBytes: 985, responseBytes: 600, usd: 2 },
  { batch: 1, eventBytes: 985, responseBytes: 600, usd: 4 },
];

/** What neither the fake nor the calibration can measure. Round, typical figures. */
const ASSUMPTIONS = {
  /** One DynamoDB or SQS request from Lambda in the same region, round trip. */
  awsRequestMs: 6,
  /** A receiver's answer to one POST (TLS to a warm connection, their processing). */
  receiverMs: 100,
  /** Lambda's own START/END/REPORT lines per invocation in CloudWatch Logs. */
  platformLogBytesPerInvocation: 300,
  /** Lambda gives a function one full vCPU at this memory size, a share proportional below it. */
  fullVcpuMb: 1769,
};

interface Line {
  component: string;
  perDelivery: number;
  price: PriceKey;
  how: string;
}

interface Cell {
  batch: number;
  event: EventSize;
  eventBytes: number;
  responseBytes: number;
  result: SimulationResult;
  lines: Line[];
  total: number;
}

const sumValues = (record: Record<string, number>) => Object.values(record).reduce((n, v) => n + v, 0);
/** CPU time stretches by this much on Lambda at `memoryMb` (a fraction of a vCPU). */
const cpuStretch = (memoryMb: number) => Math.max(1, ASSUMPTIONS.fullVcpuMb / memoryMb);

/**
 * Billed GB-s of one function. Sender: the calibrated real-SDK CPU per record (all records of a
 * batch share the CPU) plus one record's waits.
 */
function lambdaGbSeconds(r: SimulationResult, fn: 'ingest' | 'sender', calibration: Calibration, receiverMs: number): number {
  const memory = functionSpecs[fn].memorySize;
  const senderCpuMs = (calibration.cpuUsPerRecord.get(r.options.batchSize) ?? Math.min(...calibration.cpuUsPerRecord.values())) / 1000;
  let gbs = 0;
  for (const inv of r.invocations) {
    if (inv.fn !== fn) continue;
    const cpuMs = fn === 'sender' ? inv.records * senderCpuMs : inv.cpuMs;
    const ms = cpuMs * cpuStretch(memory) + inv.sequentialRequests * ASSUMPTIONS.awsRequestMs + (fn === 'sender' ? receiverMs : 0);
    gbs += ((memory / 1024) * Math.ceil(ms)) / 1000;
  }
  return gbs;
}

function lines(r: SimulationResult, calibration: Calibration, receiverMs = ASSUMPTIONS.receiverMs): Line[] {
  const n = r.deliveries;
  const invocations = (fn: 'ingest' | 'sender') => r.invocations.filter((i) => i.fn === fn).length;
  const esmRequests = r.esm.ingestReceives + r.esm.ingestDeletes + r.esm.senderReceives + r.esm.senderDeletes;
  const months = defaults.retentionDays / 30.44;
  const storedGb = sumValues(r.storageBytes) / n / 1024 ** 3;
  const out: Line[] = [
    {
      component: 'SQS: sends (CRM publish, wake-ups, retries, schedule targets)',
      perDelivery: r.sqsBilled / n,
      price: 'sqsRequest',
      how: 'counted (fake)',
    },
    {
      component: 'SQS: event source mapping ReceiveMessage + DeleteMessageBatch',
      perDelivery: esmRequests / n,
      price: 'sqsRequest',
      how: 'estimated: 1 + 1 per batch',
    },
    { component: 'Lambda requests: ingest', perDelivery: invocations('ingest') / n, price: 'lambdaRequest', how: 'counted (fake)' },
    { component: 'Lambda requests: sender', perDelivery: invocations('sender') / n, price: 'lambdaRequest', how: 'counted (fake)' },
    {
      component: `Lambda GB-s: ingest (${functionSpecs.ingest.memorySize} MB)`,
      perDelivery: lambdaGbSeconds(r, 'ingest', calibration, 0) / n,
      price: 'lambdaGbSecondArm',
      how:
        `CPU ms on the fake (no SDK: low) x ${fmt(cpuStretch(functionSpecs.ingest.memorySize), 1)} + ${ASSUMPTIONS.awsRequestMs} ms ` +
        `per sequential AWS request`,
    },
    {
      component: `Lambda GB-s: sender (${functionSpecs.sender.memorySize} MB)`,
      perDelivery: lambdaGbSeconds(r, 'sender', calibration, receiverMs) / n,
      price: 'lambdaGbSecondArm',
      how:
        `real-SDK CPU per record x ${fmt(cpuStretch(functionSpecs.sender.memorySize), 1)} + ${ASSUMPTIONS.awsRequestMs} ms per ` +
        `sequential request + ${receiverMs} ms receiver`,
    },
  ];
  for (const [name, wru] of Object.entries(r.tableWru))
    out.push({ component: `DynamoDB WRU: ${name} table`, perDelivery: wru / n, price: 'dynamoWru', how: 'counted (fake, item sizes)' });
  for (const [name, wru] of Object.entries(r.indexWru))
    out.push({ component: `DynamoDB WRU: ${name} GSI`, perDelivery: wru / n, price: 'dynamoWru', how: 'counted (fake, index entries)' });
  out.push({ component: 'DynamoDB RRU', perDelivery: sumValues(r.rru) / n, price: 'dynamoRru', how: 'counted (fake, item sizes)' });
  out.push({
    component: 'EventBridge Scheduler invocations',
    perDelivery: (r.requests['Scheduler.Invocation'] ?? 0) / n,
    price: 'schedulerInvocation',
    how: 'counted (fake; waits > 15 min)',
  });
  out.push({ component: 'SNS publishes', perDelivery: (r.requests['SNS.Publish'] ?? 0) / n, price: 'snsPublish', how: 'counted (fake)' });
  const storedHow = `stored bytes + 100 B per item/entry, kept ${defaults.retentionDays} days`;
  out.push({ component: `DynamoDB storage (GB-month)`, perDelivery: storedGb * months, price: 'dynamoStorageGbMonth', how: storedHow });
  out.push({
    component: `DynamoDB point-in-time recovery (GB-month)`,
    perDelivery: storedGb * months,
    price: 'dynamoPitrGbMonth',
    how: storedHow,
  });
  const platformBytes = (invocations('ingest') + invocations('sender')) * ASSUMPTIONS.platformLogBytesPerInvocation;
  out.push({
    component: 'CloudWatch Logs ingested (GB)',
    perDelivery: (r.logBytes.ingest + r.logBytes.sender + platformBytes) / n / 1024 ** 3,
    price: 'logsIngestedGb',
    how: `Powertools bytes counted + ${ASSUMPTIONS.platformLogBytesPerInvocation} B platform lines per invocation`,
  });
  out.push({
    component: 'Data out to receivers (GB)',
    perDelivery: r.httpBytes / n / 1024 ** 3,
    price: 'dataOutGb',
    how: 'HTTP request bytes counted (no TLS overhead)',
  });
  return out;
}

const perMillion = (line: Line) => line.perDelivery * PRICES[line.price].usd * 1e6;
const total = (ls: Line[]) => ls.reduce((n, l) => n + perMillion(l), 0);
const share = (ls: Line[], test: (l: Line) => boolean) => ls.filter(test).reduce((n, l) => n + perMillion(l), 0);

function printLines(title: string, r: SimulationResult, ls: Line[]): void {
  console.log(
    `\n${title}: ${r.options.events} events x ${r.options.subscriptions} subscriptions = ${r.deliveries} deliveries, ` +
      `${r.delivered} delivered, ${r.attempts} attempts, ` +
      `${r.invocations.filter((i) => i.fn === 'sender').length} sender and ${r.invocations.filter((i) => i.fn === 'ingest').length} ` +
      `ingest invocations, ${fmt(r.simulatedMinutes, 1)} simulated minutes`,
  );
  const rows: Array<Array<string | number>> = [['component', 'per delivery', 'unit price (USD)', 'USD per million deliveries', 'source']];
  for (const l of ls) {
    if (l.perDelivery === 0) continue;
    rows.push([
      l.component,
      l.perDelivery < 0.001 ? l.perDelivery.toExponential(3) : fmt(l.perDelivery, 4),
      PRICES[l.price].usd.toExponential(4),
      fmt(perMillion(l), 3),
      l.how,
    ]);
  }
  rows.push(['total, all in', '', '', fmt(total(ls), 3), '']);
  console.log(table(rows));
}

async function matrix(calibration: Calibration): Promise<Cell[]> {
  const cells: Cell[] = [];
  const common = { subscriptions: SUBSCRIPTIONS, senderInstances: 5, seed: 5, limitMs: 300_000, failFirst: 0, events: EVENTS };
  // One receiver process per response size, shared by the cells (none of them fails a response).
  const receivers = await Promise.all(RESPONSE_SIZES.map((bytes) => startReceivers(0, bytes)));
  try {
    // JIT warm-up of the simulation's code paths before the cells are counted.
    await simulate({ ...common, events: 50, batchSize: 10, receivers: receivers[0] });
    for (const batch of BATCHES) {
      for (const event of eventSizes()) {
        for (const [i, responseBytes] of RESPONSE_SIZES.entries()) {
          const result = await simulate({ ...common, batchSize: batch, sample: event.body, responseBytes, receivers: receivers[i] });
          const ls = lines(result, calibration);
          cells.push({ batch, event, eventBytes: Buffer.byteLength(event.body), responseBytes, result, lines: ls, total: total(ls) });
        }
      }
      console.error(`  cost: batch ${batch} done`);
    }
  } finally {
    await Promise.all(receivers.map((r) => r.stop()));
  }
  return cells;
}

function printMatrix(cells: Cell[]): void {
  const rows: Array<Array<string | number>> = [
    [
      'batch',
      'event',
      'response',
      'USD per million, all in',
      'SQS',
      'Lambda',
      'DynamoDB requests',
      'DynamoDB storage + PITR',
      'logs + data out + other',
      'WRU / delivery',
      'RRU / delivery',
    ],
  ];
  for (const c of cells) {
    const ls = c.lines;
    rows.push([
      c.batch,
      c.event.label,
      `${c.responseBytes} B`,
      fmt(c.total, 2),
      fmt(
        share(ls, (l) => l.price === 'sqsRequest'),
        2,
      ),
      fmt(
        share(ls, (l) => l.price.startsWith('lambda')),
        2,
      ),
      fmt(
        share(ls, (l) => l.price === 'dynamoWru' || l.price === 'dynamoRru'),
        2,
      ),
      fmt(
        share(ls, (l) => l.price === 'dynamoStorageGbMonth' || l.price === 'dynamoPitrGbMonth'),
        2,
      ),
      fmt(
        share(ls, (l) => ['logsIngestedGb', 'dataOutGb', 'schedulerInvocation', 'snsPublish'].includes(l.price)),
        2,
      ),
      fmt((sumValues(c.result.tableWru) + sumValues(c.result.indexWru)) / c.result.deliveries, 2),
      fmt(sumValues(c.result.rru) / c.result.deliveries, 2),
    ]);
  }
  console.log(`\nall-in cost per million successful deliveries (first attempt), receivers answering in ${ASSUMPTIONS.receiverMs} ms:`);
  console.log(table(rows));
}

function requestTable(results: Array<[string, SimulationResult]>): void {
  const keys = [...new Set(results.flatMap(([, r]) => Object.keys(r.requests)))].sort();
  const per = (r: SimulationResult, v: number) => fmt(v / r.deliveries, 3);
  const rows: Array<Array<string | number>> = [
    ['per delivery (counting fake)', ...results.map(([n]) => n), 'per failed attempt + its retry'],
  ];
  const [first, three] = [results[0][1], results[1][1]];
  const failed = (a: number, b: number) => fmt((b / three.deliveries - a / first.deliveries) / 2, 3);
  for (const k of keys)
    rows.push([k, ...results.map(([, r]) => per(r, r.requests[k] ?? 0)), failed(first.requests[k] ?? 0, three.requests[k] ?? 0)]);
  const wru = (r: SimulationResult) => sumValues(r.tableWru) + sumValues(r.indexWru);
  rows.push(['DynamoDB WRU (table + GSI)', ...results.map(([, r]) => per(r, wru(r))), failed(wru(first), wru(three))]);
  rows.push(['DynamoDB RRU', ...results.map(([, r]) => per(r, sumValues(r.rru))), failed(sumValues(first.rru), sumValues(three.rru))]);
  rows.push(['conditional writes that failed', ...results.map(([, r]) => per(r, r.conditionalFailures)), '']);
  console.log(`\n${table(rows)}`);
}

function verdicts(cells: Cell[]): string[] {
  return TARGETS.map((t) => {
    const cell = cells.find((c) => c.batch === t.batch && c.eventBytes === t.eventBytes && c.responseBytes === t.responseBytes)!;
    const verdict = cell.total <= t.usd ? 'met' : 'MISSED';
    return (
      `batch ${t.batch}, ${t.eventBytes} B event, ${t.responseBytes} B responses: $${fmt(cell.total, 2)} per million, ` +
      `all in (target <= $${fmt(t.usd, 2)}): ${verdict}`
    );
  });
}

async function retries(calibration: Calibration, target: Cell): Promise<void> {
  const common: SimulationOptions = {
    ...target.result.options,
    receivers: undefined,
    sample: target.event.body,
    responseBytes: target.responseBytes,
  };
  const three = await simulate({ ...common, failFirst: 2 });
  const five = await simulate({ ...common, failFirst: 4 });
  printLines(
    'deliveries that need three attempts (two 503s, retried after ~5 and ~10 min), batch 10, 985 B event, 600 B responses',
    three,
    lines(three, calibration),
  );
  printLines('deliveries that need five attempts (the 4th and 5th wait > 15 min: Scheduler)', five, lines(five, calibration));
  requestTable([
    ['first attempt', target.result],
    ['three attempts', three],
    ['five attempts', five],
  ]);
}

async function main(): Promise<void> {
  const started = Date.now();
  const target = eventSizes().find((e) => Buffer.byteLength(e.body) === 985)!;
  const calibration = await calibrateSenderCpu(BATCHES, target.body, CALIBRATION_RECORDS, CALIBRATION_ROUNDS);
  const cells = await matrix(calibration);

  console.log(`cost per million deliveries, ${PRICES_REGION} on-demand prices of ${PRICES_AS_OF}`);
  console.log(
    `assumptions: ${ASSUMPTIONS.awsRequestMs} ms per AWS request, receiver answers in ${ASSUMPTIONS.receiverMs} ms, ` +
      `${ASSUMPTIONS.platformLogBytesPerInvocation} B of Lambda platform log lines per invocation, ` +
      `Lambda CPU share = memory / ${ASSUMPTIONS.fullVcpuMb} MB (sender ${functionSpecs.sender.memorySize} MB: ` +
      `CPU time x ${fmt(cpuStretch(functionSpecs.sender.memorySize), 2)}), arm64 as fast per core as this machine; ` +
      `event source mapping: 1 ReceiveMessage + 1 DeleteMessageBatch per batch, idle polling not included; ` +
      `ingest gets the same batch size as the sender`,
  );
  const cpuRows = [...calibration.cpuUsPerRecord].map(([b, us]) => `batch ${b}: ${fmt(us, 0)} µs`).join(', ');
  console.log(
    `sender CPU per record, real AWS SDK over HTTP against dynalite (median of ${calibration.rounds} rounds of ` +
      `${calibration.recordsPerRound} records, this machine): ${cpuRows}`,
  );
  printMatrix(cells);
  const full = cells.find((c) => c.batch === 10 && c.eventBytes === 985 && c.responseBytes === 600)!;
  const single = cells.find((c) => c.batch === 1 && c.eventBytes === 985 && c.responseBytes === 600)!;
  printLines('batch 10, 985 B event, 600 B responses', full.result, full.lines);
  printLines('batch 1, 985 B event, 600 B responses', single.result, single.lines);
  const slow = lines(full.result, calibration, 1_000);
  console.log(
    `\nthe same at receivers answering in 1 s: batch 10 $${fmt(total(slow), 2)}, ` +
      `batch 1 $${fmt(total(lines(single.result, calibration, 1_000)), 2)} per million, all in`,
  );
  await retries(calibration, full);
  crossCheck(full.result);
  console.log('');
  for (const line of verdicts(cells)) console.log(line);
  console.log(`total ${Math.round((Date.now() - started) / 1000)} s`);
  writeResult('cost', {
    prices: PRICES,
    pricesAsOf: PRICES_AS_OF,
    assumptions: ASSUMPTIONS,
    senderCpuUsPerRecord: Object.fromEntries(calibration.cpuUsPerRecord),
    cells: cells.map((c) => ({
      batch: c.batch,
      event: c.event.label,
      responseBytes: c.responseBytes,
      usdPerMillion: c.total,
      lines: c.lines.map((l) => ({ ...l, usdPerMillion: perMillion(l) })),
    })),
    verdicts: verdicts(cells),
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
