// Capacity figures derived from the sender benchmark's measurements (bench/out/sender-throughput.json,
// written by `npm run bench:sender`: the real sender with the real AWS SDK against dynalite): the
// Lambda concurrency needed for a delivery rate, and the time to drain a backlog.
//
//   npm run bench:sizing      (after npm run bench:sender; BENCH_BACKLOG=100000)
//
// The model, stated where it prints:
// - An invocation of b records runs them concurrently: its CPU adds up, its waits overlap. Its
//   duration is D(b) = b x c x s + k x a + w, with c the measured CPU per record of that batch size,
//   s = 1769 MB / memory (Lambda's CPU share below one vCPU stretches CPU time), k = 3 storage
//   requests in sequence per record, a = the round trip of one DynamoDB request, w = the receiver's
//   answer time.
// - Concurrency for a rate R (Little's law): N = R / b x D(b).
// - A backlog keeps batches full (b = 10) and the trigger at its cap (senderMaxConcurrency, default
//   20): drain time = backlog / (cap x 10 / D(10)); the event source mapping's ramp-up is ignored.
import { functionSpecs } from '../lib/functions';
import { positive } from './lib/env';
import { readResult, writeResult } from './lib/results';
import { fmt, table } from './lib/stats';

const BACKLOG = positive('BENCH_BACKLOG', 100_000);
const RATES = [100, 1_000];
const RECEIVER_MS = [100, 1_000];
const AWS_REQUEST_MS = 6;
const STORAGE_REQUESTS = 3;
const FULL_VCPU_MB = 1769;
const DEFAULT_MAX_CONCURRENCY = 20;
const CAPS = [DEFAULT_MAX_CONCURRENCY, 100];

interface Summary {
  concurrency: number;
  mode: string;
  medianPerSecond: number;
  cpuUsPerDelivery: number;
}

function main(): void {
  const result = readResult<{ summaries: Summary[] }>('sender-throughput');
  if (!result) throw new Error('no bench/out/sender-throughput.json: run npm run bench:sender first');
  const find = (mode: string, concurrency: number) => {
    const s = result.summaries.find((x) => x.mode === mode && x.concurrency === concurrency);
    if (!s) throw new Error(`bench/out/sender-throughput.json has no ${mode} at concurrency ${concurrency}`);
    return s;
  };
  // Batches of 1: the lowest concurrency measured (CPU per delivery hardly depends on it).
  const single = find('sender', Math.min(...result.summaries.filter((x) => x.mode === 'sender').map((x) => x.concurrency)));
  const instance = find('sender-b10', 10);
  const stretch = FULL_VCPU_MB / functionSpecs.sender.memorySize;
  const cpuMs = (b: number) => (b === 1 ? single.cpuUsPerDelivery : instance.cpuUsPerDelivery) / 1000;
  const duration = (b: number, receiverMs: number) => b * cpuMs(b) * stretch + STORAGE_REQUESTS * AWS_REQUEST_MS + receiverMs;
  console.log(`measured (${result.at}, npm run bench:sender, real AWS SDK over HTTP against dynalite, this machine):`);
  console.log(
    `  one sender instance (one invocation of 10 records at a time): ${fmt(instance.medianPerSecond)} deliveries/s, ` +
      `${fmt(instance.cpuUsPerDelivery, 0)} µs CPU per delivery`,
  );
  console.log(
    `  batches of 1, ${single.concurrency} invocation(s) in flight: ${fmt(single.medianPerSecond)} deliveries/s, ` +
      `${fmt(single.cpuUsPerDelivery, 0)} µs CPU per delivery`,
  );
  console.log(
    `model: D(b) = b x CPU x ${fmt(stretch, 2)} (Lambda at ${functionSpecs.sender.memorySize} MB has ` +
      `${functionSpecs.sender.memorySize}/${FULL_VCPU_MB} of a vCPU) + ${STORAGE_REQUESTS} x ${AWS_REQUEST_MS} ms DynamoDB + receiver; ` +
      `N = rate / b x D(b)`,
  );
  const rows: Array<Array<string | number>> = [
    ['deliveries/s', 'receiver answers in', 'batch', 'invocation ms D(b)', 'concurrent sender instances'],
  ];
  for (const rate of RATES) {
    for (const receiverMs of RECEIVER_MS) {
      for (const b of [1, 10])
        rows.push([
          fmt(rate),
          `${fmt(receiverMs)} ms`,
          b,
          fmt(duration(b, receiverMs), 1),
          fmt(Math.ceil((rate / b) * (duration(b, receiverMs) / 1000))),
        ]);
    }
  }
  console.log(table(rows));
  const drain: Array<Array<string | number>> = [['backlog', 'receiver answers in', 'senderMaxConcurrency', 'deliveries/s', 'drain time']];
  for (const receiverMs of RECEIVER_MS) {
    for (const cap of CAPS) {
      const perSecond = (cap * 10 * 1000) / duration(10, receiverMs);
      drain.push([fmt(BACKLOG), `${fmt(receiverMs)} ms`, cap, fmt(perSecond), `${fmt(BACKLOG / perSecond / 60, 1)} min`]);
    }
  }
  console.log(
    `\ndrain of a backlog: full batches of 10, the trigger at its cap the whole time (ramp-up ignored), ` +
      `every delivery succeeding at its first attempt`,
  );
  console.log(table(drain));
  writeResult('sizing', { instance, single, stretch, awsRequestMs: AWS_REQUEST_MS, rows, drain });
}

main();
