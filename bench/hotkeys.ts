// Hot keys: what the busiest DynamoDB partition keys take, per second, in the scenarios a large CRM
// brings (`npm run bench:hotkeys`). The real ingest and sender handlers run against the counting fake
// (bench/lib/fake-dynamo.ts), which charges every request's units to the partition key of the table
// or index it lands on; receivers are a webhook client answering 200 at once (no HTTP: only storage
// is looked at). Rates are units per key divided by the time the traffic takes at the stated rates:
// ingest's writes of an event within one second, the deliveries at their arrival rate or, for one
// event to everyone, at a sender pool's drain rate. AWS's limits per partition key (table or index):
// 1,000 write units and 3,000 read units a second. The ceiling column is the load at which the
// hottest key would reach its limit, scaled linearly from the measured one.
//
// Sizes: BENCH_HOTKEYS_SUBSCRIPTIONS (5000), BENCH_HOTKEYS_EVENTS (1200 per steady scenario),
// BENCH_HOTKEYS_WIDE (50000 subscriptions of the widest event), BENCH_HOTKEYS_DRAIN (1000 deliveries/s),
// BENCH_HOTKEYS_OUTAGE (1000 subscriptions whose receivers all fail for 30 s).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLog } from '../lambdas/domain/log';
import type { Clock, HttpResult, WebhookClient } from '../lambdas/domain/ports';
import { createIngestHandler } from '../lambdas/handlers/ingest';
import { createSenderHandler } from '../lambdas/handlers/sender';
import { buildIngestDeps, buildSendDeps } from '../lambdas/wiring/deps';
import { DELIVERIES_QUEUE_URL, EVENTS_QUEUE_URL, eventBody, sampleBody, sqsEvent, World } from './lib/world';

const WRU_LIMIT = 1000;
const RRU_LIMIT = 3000;

const SUBSCRIPTIONS = Number(process.env.BENCH_HOTKEYS_SUBSCRIPTIONS ?? 5000);
const EVENTS = Number(process.env.BENCH_HOTKEYS_EVENTS ?? 1200);
const WIDE = Number(process.env.BENCH_HOTKEYS_WIDE ?? 50_000);
const DRAIN_PER_S = Number(process.env.BENCH_HOTKEYS_DRAIN ?? 1000);
const EVENTS_PER_S = 10_000 / 60;

const OUTAGE_SUBSCRIPTIONS = Number(process.env.BENCH_HOTKEYS_OUTAGE ?? 1000);
const OUTAGE_SECONDS = 30;

function answering(statusCode: number): WebhookClient {
  return { post: (): Promise<HttpResult> => Promise.resolve({ kind: 'response', statusCode, headers: {}, body: '', durationMs: 1 }) };
}

interface Phase {
  scenario: string;
  phase: string;
  /** Seconds the phase's traffic takes at the scenario's rates. */
  seconds: number;
  /** What one second of this phase is, to scale the ceiling: e.g. "events/min", "deliveries/s". */
  loadUnit: string;
  load: number;
  /** When the hottest read grows with something else than the hottest write (default: the same). */
  readLoad?: { unit: string; load: number };
  keyWru: Map<string, number>;
  keyRru: Map<string, number>;
}

class Bench {
  readonly world: World;
  private now = Date.parse('2026-11-30T08:00:00.000Z');
  private readonly clock: Clock = { now: () => new Date(this.now) };
  private readonly ingest;
  private readonly sender;

  constructor(webhook: WebhookClient = answering(200)) {
    this.world = new World({ clock: this.clock, env: { SUBSCRIPTION_CACHE_MS: '3600000' } });
    this.ingest = createIngestHandler(buildIngestDeps(this.world.env, this.world.infra(silentLog)));
    this.sender = createSenderHandler(buildSendDeps(this.world.env, this.world.infra(silentLog, { webhook })));
  }

  /** Subscriptions through the real subscriptions function; `eventTypes` per subscription (undefined: every event). */
  async subscribe(types: Array<string[] | undefined>): Promise<string[]> {
    const ids: string[] = [];
    for (const eventTypes of types) {
      const created = await this.world.createSubscriptions(1, 'http://127.0.0.1:9/hook', silentLog, eventTypes ? { eventTypes } : {});
      ids.push(...created);
    }
    await this.settle();
    return ids;
  }

  /**
   * Lets the caches settle as in a running service: ingest keeps its list of subscriptions only once
   * their version is a few seconds old, and a warm-up event (of a type only the subscriptions of every type take) fills it.
   */
  async settle(): Promise<void> {
    // Seen first, then read again once the version is older than the index's settling time.
    for (const _ of [1, 2]) {
      this.now += 10_000;
      await this.ingest(sqsEvent([JSON.stringify({ id: `warm-up-${this.now}`, type: 'warm-up' })]));
    }
    // Subscriptions of every type were woken for it: those wake-ups are not part of any scenario.
    this.world.sqs.clear();
  }

  /** The CRM publishes, ingest takes batches of 10 (a batch every 60 ms at 10,000 events/min): what fan-out writes. */
  async publish(bodies: string[]): Promise<void> {
    for (let i = 0; i < bodies.length; i += 10) this.world.sqs.deliverBatch(EVENTS_QUEUE_URL, bodies.slice(i, i + 10), 'CRM publish');
    for (let batch = this.world.sqs.take(EVENTS_QUEUE_URL, 10); batch.length > 0; batch = this.world.sqs.take(EVENTS_QUEUE_URL, 10)) {
      const out = await this.ingest(sqsEvent(batch.map((m) => m.body)));
      if (out.batchItemFailures.length > 0) throw new Error('ingest failed a record');
      this.now += (batch.length / EVENTS_PER_S) * 1000;
    }
  }

  /** The senders take every wake-up, in batches of 10 (taken from the fake queue a thousand at a time). */
  async drain(): Promise<number> {
    let delivered = 0;
    for (
      let taken = this.world.sqs.take(DELIVERIES_QUEUE_URL, 1000);
      taken.length > 0;
      taken = this.world.sqs.take(DELIVERIES_QUEUE_URL, 1000)
    ) {
      for (let i = 0; i < taken.length; i += 10) {
        // Time passes as the pool drains (leases and caches see it); DRAIN_PER_S is the rate the phase is reported at.
        this.now += (10 / DRAIN_PER_S) * 1000;
        const out = await this.sender(sqsEvent(taken.slice(i, i + 10).map((m) => m.body)));
        // A failed POST is a retry or a deferral the sender arranges itself, never a failed record.
        if (out.batchItemFailures.length > 0) throw new Error('the sender failed a record');
        delivered += Math.min(10, taken.length - i);
      }
    }
    return delivered;
  }

  /** Time passes with nothing published: wake-ups delayed until then become visible. */
  wait(ms: number): void {
    this.now += ms;
  }

  /** Runs `work`, keeping what it cost per key as one phase of a scenario. */
  async phase(p: Omit<Phase, 'keyWru' | 'keyRru'>, work: () => Promise<unknown>): Promise<Phase> {
    this.world.resetCounts();
    await work();
    const counts = this.world.dynamo.counts;
    return { ...p, keyWru: new Map(counts.keyWru), keyRru: new Map(counts.keyRru) };
  }
}

function types(n: number, of: (i: number) => string[] | undefined): Array<string[] | undefined> {
  return Array.from({ length: n }, (_, i) => of(i));
}

function bodies(count: number, prefix: string, typeOf: (i: number) => string): string[] {
  const sample = sampleBody('form_submission');
  return Array.from({ length: count }, (_, i) =>
    eventBody(sample, `${prefix}-${i}`).replace('"form_submission"', JSON.stringify(typeOf(i))),
  );
}

async function steady(): Promise<Phase[]> {
  // 5,000 subscriptions, 1,000 event types, each subscription one type: every event to 5 of them.
  const bench = new Bench();
  await bench.subscribe(types(SUBSCRIPTIONS, (i) => [`t${i % 1000}`]));
  const published = bodies(EVENTS, 'steady', (i) => `t${(i * 7) % 1000}`);
  const seconds = EVENTS / EVENTS_PER_S;
  const name = `10,000 events/min, ${SUBSCRIPTIONS} subscriptions, 5 per event`;
  return [
    await bench.phase({ scenario: name, phase: 'ingest', seconds, loadUnit: 'events/min', load: 10_000 }, () => bench.publish(published)),
    await bench.phase({ scenario: name, phase: 'first attempts', seconds, loadUnit: 'events/min', load: 10_000 }, () => bench.drain()),
  ];
}

async function oneToAll(count: number): Promise<Phase[]> {
  const bench = new Bench();
  await bench.subscribe(types(count, () => undefined));
  const name = `one event to all ${count} subscriptions`;
  return [
    await bench.phase({ scenario: name, phase: 'ingest (within 1 s)', seconds: 1, loadUnit: 'such events/s', load: 1 }, () =>
      bench.publish(bodies(1, `wide-${count}`, () => 'form_submission')),
    ),
    await bench.phase(
      {
        scenario: name,
        phase: `first attempts at ${DRAIN_PER_S} deliveries/s`,
        seconds: count / DRAIN_PER_S,
        loadUnit: 'deliveries/s',
        load: DRAIN_PER_S,
      },
      () => bench.drain(),
    ),
  ];
}

async function halfToOne(): Promise<Phase[]> {
  // One subscription takes every event; each event also goes to one of the others: half of all deliveries are the big one's.
  const bench = new Bench();
  await bench.subscribe([undefined, ...types(SUBSCRIPTIONS - 1, (i) => [`t${i}`])]);
  const published = bodies(EVENTS, 'half', (i) => `t${(i * 13) % (SUBSCRIPTIONS - 1)}`);
  const seconds = EVENTS / EVENTS_PER_S;
  const name = `one subscription with half of all deliveries (10,000 events/min)`;
  const steadyPhase = await bench.phase({ scenario: name, phase: 'ingest', seconds, loadUnit: 'events/min', load: 10_000 }, () =>
    bench.publish(published),
  );
  const attempts = await bench.phase({ scenario: name, phase: 'first attempts', seconds, loadUnit: 'events/min', load: 10_000 }, () =>
    bench.drain(),
  );
  return [steadyPhase, attempts];
}

async function outage(): Promise<Phase[]> {
  // Every receiver down at once: each subscription's failures are counted, its circuit opens after
  // five in a row over 10 s, and each delivery after that waits behind it. All of it writes the
  // subscriptions' items; what reaches the `byStatus` index lands on one key (`active`).
  const bench = new Bench(answering(503));
  await bench.subscribe(types(OUTAGE_SUBSCRIPTIONS, (i) => [`t${i % (OUTAGE_SUBSCRIPTIONS / 5)}`]));
  const count = Math.round(EVENTS_PER_S * OUTAGE_SECONDS);
  const published = bodies(count, 'outage', (i) => `t${(i * 7) % (OUTAGE_SUBSCRIPTIONS / 5)}`);
  const name = `an outage: all ${OUTAGE_SUBSCRIPTIONS} subscriptions answering 503, 10,000 events/min, 5 per event`;
  const at = { scenario: name, seconds: OUTAGE_SECONDS };
  return [
    await bench.phase({ ...at, phase: 'ingest', loadUnit: 'events/min', load: 10_000 }, () => bench.publish(published)),
    // The hottest keys here take a write per failing subscription (its circuit opening, its failing
    // run starting), not per event: the ceiling is in receivers that fail within the same 30 s.
    await bench.phase(
      {
        ...at,
        phase: 'attempts, circuits opening',
        loadUnit: 'receivers failing at once',
        load: OUTAGE_SUBSCRIPTIONS,
        // The version item is read once per sender invocation, whatever the receivers answer.
        readLoad: { unit: 'events/min', load: 10_000 },
      },
      () => bench.drain(),
    ),
    // The circuits opened over the last 30 s probe 30 s after opening: each probe writes the lane
    // twice (probing, then open again), and the deliveries waiting behind it are deferred again.
    await bench.phase({ ...at, phase: 'first probes, 30 s on', loadUnit: 'receivers failing at once', load: OUTAGE_SUBSCRIPTIONS }, () => {
      bench.wait(OUTAGE_SECONDS * 1000);
      return bench.drain();
    }),
  ];
}

interface Row {
  scenario: string;
  phase: string;
  kind: 'write' | 'read';
  key: string;
  perSecond: number;
  limit: number;
  share: number;
  ceiling: string;
  tableTotal: number;
}

function hottest(phase: Phase, kind: 'write' | 'read'): Row | undefined {
  const map = kind === 'write' ? phase.keyWru : phase.keyRru;
  let best: [string, number] | undefined;
  for (const entry of map) if (!best || entry[1] > best[1]) best = entry;
  if (!best) return undefined;
  const limit = kind === 'write' ? WRU_LIMIT : RRU_LIMIT;
  const perSecond = best[1] / phase.seconds;
  const { unit: unitOfLoad, load } = kind === 'read' && phase.readLoad ? phase.readLoad : { unit: phase.loadUnit, load: phase.load };
  const unit = best[0].split(' ')[0];
  let tableTotal = 0;
  for (const [key, units] of map) if (key.split(' ')[0] === unit) tableTotal += units;
  return {
    scenario: phase.scenario,
    phase: phase.phase,
    kind,
    key: shorten(best[0]),
    perSecond,
    limit,
    share: perSecond / limit,
    ceiling: `${Math.floor((load * limit) / perSecond).toLocaleString('en-US')} ${unitOfLoad}`,
    tableTotal: tableTotal / phase.seconds,
  };
}

/** Keys are long (event and subscription ids): enough of them to tell which partition it is. */
function shorten(key: string): string {
  return key.length > 70 ? `${key.slice(0, 67)}...` : key;
}

function hottestPerUnit(phase: Phase): Array<{ unit: string; key: string; perSecond: number; kind: string }> {
  const out = new Map<string, { unit: string; key: string; perSecond: number; kind: string }>();
  for (const [kind, map] of [
    ['write', phase.keyWru],
    ['read', phase.keyRru],
  ] as const) {
    for (const [key, units] of map) {
      const unit = `${key.split(' ')[0]} ${kind}`;
      const perSecond = units / phase.seconds;
      if ((out.get(unit)?.perSecond ?? -1) < perSecond) out.set(unit, { unit, key: shorten(key), perSecond, kind });
    }
  }
  return [...out.values()].sort((a, b) => b.perSecond - a.perSecond);
}

function print(phases: Phase[]): Row[] {
  const rows: Row[] = [];
  console.log('produced by: the counting fake (bench/lib/fake-dynamo.ts): units charged to the partition key of the table or index');
  console.log(`limits per partition key: ${WRU_LIMIT} WCU/s, ${RRU_LIMIT} RCU/s (tables and global secondary indexes alike)\n`);
  for (const phase of phases) {
    console.log(`${phase.scenario} - ${phase.phase} (${phase.seconds.toFixed(2)} s of traffic)`);
    console.log(`  ${'table / index, write or read'.padEnd(40)}  ${'hottest key'.padEnd(72)}  units/s`);
    for (const line of hottestPerUnit(phase).slice(0, 8)) {
      console.log(`  ${line.unit.padEnd(40)}  ${line.key.padEnd(72)}  ${line.perSecond.toFixed(1).padStart(8)}`);
    }
    for (const kind of ['write', 'read'] as const) {
      const row = hottest(phase, kind);
      if (row) rows.push(row);
    }
  }
  console.log('\nthe hottest key of each phase against its limit, and the load at which it would reach it:');
  console.log(`${'scenario'.padEnd(66)}  ${'phase'.padEnd(36)}  kind   units/s  of limit  ceiling`);
  for (const r of rows) {
    const share = `${(r.share * 100).toFixed(1)} %`;
    console.log(
      `${r.scenario.padEnd(66)}  ${r.phase.padEnd(36)}  ${r.kind.padEnd(5)}  ` +
        `${r.perSecond.toFixed(1).padStart(7)}  ${share.padStart(8)}  ${r.ceiling}`,
    );
  }
  return rows;
}

async function main(): Promise<void> {
  const started = Date.now();
  const phases: Phase[] = [];
  phases.push(...(await steady()));
  phases.push(...(await oneToAll(SUBSCRIPTIONS)));
  phases.push(...(await halfToOne()));
  phases.push(...(await outage()));
  phases.push(...(await oneToAll(WIDE)));
  const rows = print(phases);
  const out = join(__dirname, 'out');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'hotkeys.json'), JSON.stringify({ rows, at: new Date().toISOString() }, null, 2));
  console.log(`total ${Math.round((Date.now() - started) / 1000)} s`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
