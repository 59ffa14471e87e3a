import { describe, expect, it } from 'vitest';
import { LimitGate, LOCAL_WAIT_MS, type Admission } from '../../lambdas/domain/limit-gate';
import { sendIntervalMs } from '../../lambdas/domain/send-pacer';
import { mostInOneSecond } from '../../bench/lib/counting-receiver';
import { MemoryLimiterStore } from '../support/memory-limiter-store';

const T0 = Date.UTC(2026, 10, 30, 12);
const ATTEMPT_TIMEOUT_MS = 5_000;

class FakeClock {
  constructor(public ms = T0) {}
  now(): Date {
    return new Date(this.ms);
  }
}

/** Gates as sender instances sharing one store and one clock; each POST's start time is the clock plus the wait it was given. */
function world() {
  const store = new MemoryLimiterStore();
  const clock = new FakeClock();
  const starts: number[] = [];
  const gate = () =>
    new LimitGate({
      store,
      clock,
      attemptTimeoutMs: ATTEMPT_TIMEOUT_MS,
      sleep: async (ms) => void starts.push(clock.ms + ms),
    });
  return { store, clock, starts, gate };
}

const sub = (limits: { maxConcurrency?: number; rateLimit?: number } = {}) => ({ id: 'sub_aaaaaaaaaaaaaaaaaaaa', ...limits });

function go(admission: Admission): Extract<Admission, { kind: 'go' }> {
  if (admission.kind !== 'go') throw new Error(`expected a permit, got a deferral: ${admission.reason}`);
  return admission;
}

describe('limit gate: a receiver that stops answering', () => {
  it('queues nothing behind POSTs in flight for longer than the local wait: the next delivery is deferred at once', async () => {
    const w = world();
    const gate = w.gate();
    const limited = sub({ maxConcurrency: 2 });
    // Two POSTs that will hang; the mean of earlier POSTs (none) would call the slots free within 50 ms.
    go(await gate.admit(limited));
    go(await gate.admit(limited));
    // In flight this long, two slots could not free one within the local wait.
    w.clock.ms += 2 * LOCAL_WAIT_MS + 50;
    const asked = Date.now();
    expect(await gate.admit(limited)).toMatchObject({ kind: 'defer', reason: 'subscription at its concurrency limit (2)' });
    expect(Date.now() - asked).toBeLessThan(LOCAL_WAIT_MS / 2);
  });

  it('lets a delivery queued behind a POST that then hangs leave the queue after the local wait, deferred', async () => {
    const w = world();
    const gate = w.gate();
    const limited = sub({ maxConcurrency: 1 });
    go(await gate.admit(limited));
    const started = Date.now();
    const queued = await gate.admit(limited);
    expect(queued).toMatchObject({ kind: 'defer' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(LOCAL_WAIT_MS - 5);
  });

  it('tells before a claim that a delivery would be deferred, only when every slot is busy and the queue too long', async () => {
    const w = world();
    const gate = w.gate();
    const limited = sub({ maxConcurrency: 2 });
    expect(await gate.deferralIfFull(limited)).toBeUndefined();
    const first = go(await gate.admit(limited));
    go(await gate.admit(limited));
    // Both busy, but they have just started: a delivery would queue here for one of them.
    expect(await gate.deferralIfFull(limited)).toBeUndefined();
    w.clock.ms += 2 * LOCAL_WAIT_MS + 50;
    expect(await gate.deferralIfFull(limited)).toMatchObject({ kind: 'defer', reason: 'subscription at its concurrency limit (2)' });
    await first.done();
    expect(await gate.deferralIfFull(limited)).toBeUndefined();
  });

  it('tells before a claim that a delivery would be deferred at the rate limit, from its last reservation, without reserving', async () => {
    const w = world();
    const gate = w.gate();
    const limited = sub({ maxConcurrency: 100, rateLimit: 10 });
    expect(await gate.deferralIfFull(limited)).toBeUndefined();
    // Ten at once: the horizon holds three send times; the line is then busy for a second.
    const admissions = await Promise.all(Array.from({ length: 10 }, () => gate.admit(limited)));
    expect(admissions.filter((x) => x.kind === 'go')).toHaveLength(Math.floor(LOCAL_WAIT_MS / sendIntervalMs(10)) + 1);
    const reservations = w.store.writes;
    const known = await gate.deferralIfFull(limited);
    expect(known).toMatchObject({ kind: 'defer', reason: 'subscription at its rate limit (10/s)' });
    // After the send times the line holds, and asked of nobody but the wait line (one write, for its place there).
    expect(known!.until.getTime()).toBeGreaterThanOrEqual(T0 + 10 * sendIntervalMs(10));
    expect(w.store.writes - reservations).toBe(1);
    // Once the line's next free time is within the horizon, a reservation may succeed: ask it again.
    w.clock.ms = T0 + 3 * sendIntervalMs(10) - LOCAL_WAIT_MS + 1;
    expect(await gate.deferralIfFull(limited)).toBeUndefined();
    // A subscription without a rate limit never waits for send times.
    expect(await gate.deferralIfFull(sub({ maxConcurrency: 100 }))).toBeUndefined();
  });

  it('spaces deferrals by how long the POSTs in flight have lasted, not by the mean of the ones that ended', async () => {
    const w = world();
    const gate = w.gate();
    const limited = sub({ maxConcurrency: 2 });
    go(await gate.admit(limited));
    go(await gate.admit(limited));
    w.clock.ms += 2_000;
    const untils: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const deferred = await gate.admit(limited);
      if (deferred.kind !== 'defer') throw new Error('expected a deferral');
      untils.push(deferred.until.getTime());
    }
    // Two slots busy for 2 s so far: one a second at most, where the 50 ms of a fast receiver gave 40.
    expect(untils[1] - untils[0]).toBeGreaterThanOrEqual(1_000);
    expect(untils[2] - untils[1]).toBeGreaterThanOrEqual(1_000);
  });
});

describe('limit gate: concurrency', () => {
  it('keeps at most maxConcurrency POSTs in flight over 3 instances: a 2nd POST queues in its instance, a 3rd defers', async () => {
    const w = world();
    const [a, b, c] = [w.gate(), w.gate(), w.gate()];
    const limited = sub({ maxConcurrency: 2 });
    const first = go(await a.admit(limited));
    const second = go(await b.admit(limited));
    expect(w.store.heldAt(sub().id, w.clock.ms)).toBe(2);

    let queuedStarted = false;
    const queued = a.admit(limited).then((admission) => {
      queuedStarted = true;
      return go(admission);
    });
    const deferred = await c.admit(limited);
    expect(deferred).toMatchObject({ kind: 'defer', reason: 'subscription at its concurrency limit (2)' });
    expect((deferred as { until: Date }).until.getTime()).toBeGreaterThanOrEqual(w.clock.ms + 1000);
    expect(queuedStarted).toBe(false);
    await first.done();
    await (await queued).done();
    await second.done();
    expect(queuedStarted).toBe(true);
    expect(w.store.heldAt(sub().id, w.clock.ms)).toBeLessThanOrEqual(2);
  });

  it('costs one write for a busy subscription, not one per delivery: the instance keeps its slot', async () => {
    const w = world();
    const gate = w.gate();
    for (let i = 0; i < 100; i += 1) {
      await go(await gate.admit(sub())).done();
      w.clock.ms += 40;
    }
    expect(w.store.writes).toBe(1);
  });

  it('renews a kept slot with one write once its lease would not cover a whole POST', async () => {
    const w = world();
    const gate = w.gate();
    await go(await gate.admit(sub())).done();
    w.clock.ms += 4_900;
    await go(await gate.admit(sub())).done();
    expect(w.store.writes).toBe(1);
    w.clock.ms += 200;
    await go(await gate.admit(sub())).done();
    expect(w.store.writes).toBe(2);
  });

  it('costs a quiet subscription one write per delivery', async () => {
    const w = world();
    const gate = w.gate();
    for (let i = 0; i < 5; i += 1) {
      await go(await gate.admit(sub())).done();
      w.clock.ms += 60_000;
    }
    expect(w.store.writes).toBe(5);
  });

  it('takes a slot idle in another instance once its lease ends, and gives it back after use when others wanted it', async () => {
    const w = world();
    const [a, b] = [w.gate(), w.gate()];
    await go(await a.admit(sub({ maxConcurrency: 1 }))).done();
    expect((await b.admit(sub({ maxConcurrency: 1 }))).kind).toBe('defer');
    w.clock.ms += 13_000;
    const taken = go(await b.admit(sub({ maxConcurrency: 1 })));
    expect((await a.admit(sub({ maxConcurrency: 1 }))).kind).toBe('defer');
    await taken.done();
    // b had to wait for it, so b gave it back at once: a takes it without waiting for the lease.
    expect(w.store.heldAt(sub().id, w.clock.ms)).toBe(0);
    expect((await a.admit(sub({ maxConcurrency: 1 }))).kind).toBe('go');
  });
});

describe('limit gate: rate', () => {
  it('reserves send times over 2 instances >= 1.05/rate apart, at most the rate in any second; defers the rest past them', async () => {
    const w = world();
    const [a, b] = [w.gate(), w.gate()];
    const limited = sub({ maxConcurrency: 100, rateLimit: 20 });
    const admit = (gate: LimitGate) => gate.admit(limited).then(async (x) => (x.kind === 'go' ? (await x.done(), x) : x));
    const admissions = await Promise.all([...Array.from({ length: 15 }, () => admit(a)), ...Array.from({ length: 15 }, () => admit(b))]);
    const permits = admissions.filter((x) => x.kind === 'go');
    // As many as fit within the horizon an instance waits for a send time.
    expect(permits).toHaveLength(Math.floor(LOCAL_WAIT_MS / sendIntervalMs(20)) + 1);
    const starts = [...w.starts].sort((x, y) => x - y);
    starts.slice(1).forEach((t, i) => expect(t - starts[i]).toBeGreaterThanOrEqual(sendIntervalMs(20) - 1e-9));
    expect(mostInOneSecond(starts)).toBeLessThanOrEqual(20);
    for (const d of admissions.filter((x) => x.kind === 'defer')) {
      expect(d.reason).toBe('subscription at its rate limit (20/s)');
      expect(d.until.getTime()).toBeGreaterThanOrEqual(starts.at(-1)!);
    }
  });

  it('paces a steady flow with one reservation write per group of deliveries arriving together', async () => {
    const w = world();
    const gate = w.gate();
    const limited = sub({ rateLimit: 50 });
    for (let round = 0; round < 10; round += 1) {
      await Promise.all(Array.from({ length: 5 }, () => gate.admit(limited).then((p) => go(p).done())));
      w.clock.ms += 400;
    }
    // One reservation per round, and the slots taken once (kept, not yet renewed).
    expect(w.store.writes - w.store.slotTakes).toBe(10);
    expect(w.store.slotTakes).toBeLessThanOrEqual(5);
    expect(mostInOneSecond(w.starts)).toBeLessThanOrEqual(50);
  });

  it('spreads deferred deliveries on the wait line at the pace the limits allow, instead of all at once', async () => {
    const w = world();
    const gate = w.gate();
    const limited = sub({ maxConcurrency: 100, rateLimit: 10 });
    const admissions = await Promise.all(
      Array.from({ length: 40 }, () => gate.admit(limited).then(async (x) => (x.kind === 'go' ? (await x.done(), x) : x))),
    );
    const untils = admissions.flatMap((x) => (x.kind === 'defer' ? [x.until.getTime()] : [])).sort((x, y) => x - y);
    expect(untils).toHaveLength(40 - (Math.floor(LOCAL_WAIT_MS / sendIntervalMs(10)) + 1));
    untils.slice(1).forEach((t, i) => expect(t - untils[i]).toBeCloseTo(sendIntervalMs(10), 6));
    expect(untils[0]).toBeGreaterThanOrEqual(T0 + 1000);
  });
});
