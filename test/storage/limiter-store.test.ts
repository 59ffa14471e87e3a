import { describe, expect, it } from 'vitest';
import { DynamoLimiterStore } from '../../lambdas/adapters/dynamo/limiter-store';
import { LimitGate } from '../../lambdas/domain/limit-gate';
import { sendIntervalMs } from '../../lambdas/domain/send-pacer';
import { newSubscriptionId, rawItem, useStorage, type Storage } from './fixtures';

let storage: Storage;
useStorage('file', (s) => (storage = s));

const store = () => new DynamoLimiterStore({ doc: storage.doc, tableName: storage.dynamo.tableNames.limits });
const NOW = Date.UTC(2026, 10, 30, 12);

describe('limiter store: slot leases', () => {
  it('takes a free slot, refuses it to another owner until the lease ends (saying until when), renews it for its owner', async () => {
    const [a, b] = [store(), store()];
    const sub = newSubscriptionId();
    expect(await a.leaseSlot(sub, 0, 'a', NOW, NOW + 10_000)).toEqual({ taken: true });
    expect(await b.leaseSlot(sub, 0, 'b', NOW + 1, NOW + 10_001)).toEqual({ taken: false, heldUntil: NOW + 10_000 });
    expect(await a.leaseSlot(sub, 0, 'a', NOW + 2, NOW + 20_000)).toEqual({ taken: true });
    expect(await b.leaseSlot(sub, 0, 'b', NOW + 19_999, NOW + 30_000)).toEqual({ taken: false, heldUntil: NOW + 20_000 });
    expect(await b.leaseSlot(sub, 0, 'b', NOW + 20_000, NOW + 30_000)).toEqual({ taken: true });
    const item = await rawItem(storage.doc, storage.dynamo.tableNames.limits, { key: `slot#${sub}#0` });
    expect(item).toMatchObject({ owner: 'b', until: NOW + 30_000, expiresAt: Math.ceil((NOW + 30_000) / 1000) + 86_400 });
  });

  it('gives a slot back only for its owner', async () => {
    const s = store();
    const sub = newSubscriptionId();
    await s.leaseSlot(sub, 1, 'a', NOW, NOW + 10_000);
    await s.releaseSlot(sub, 1, 'b');
    expect((await s.leaseSlot(sub, 1, 'b', NOW, NOW + 10_000)).taken).toBe(false);
    await s.releaseSlot(sub, 1, 'a');
    expect((await s.leaseSlot(sub, 1, 'b', NOW, NOW + 10_000)).taken).toBe(true);
  });

  it('lets exactly one of many instances racing for one slot have it', async () => {
    const sub = newSubscriptionId();
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => store().leaseSlot(sub, 0, `owner-${i}`, NOW, NOW + 10_000)));
    expect(results.filter((r) => r.taken)).toHaveLength(1);
  });
});

describe('limiter store: send times and the wait line', () => {
  it('starts the line at now, appends to it while it is ahead, grants only what fits before `latest`, says when it is free', async () => {
    const s = store();
    const sub = newSubscriptionId();
    expect(await s.reserveSends(sub, 3, 100, NOW, NOW + 1000)).toEqual({ first: NOW, granted: 3, nextFree: NOW });
    expect(await s.reserveSends(sub, 10, 100, NOW + 10, NOW + 1010)).toEqual({ first: NOW + 300, granted: 8, nextFree: NOW + 300 });
    expect(await s.reserveSends(sub, 2, 100, NOW + 20, NOW + 1020)).toEqual({ first: NOW + 1100, granted: 0, nextFree: NOW + 1100 });
    // Once the line is behind, it starts again at now.
    expect(await s.reserveSends(sub, 1, 100, NOW + 5000, NOW + 6000)).toEqual({ first: NOW + 5000, granted: 1, nextFree: NOW + 5000 });
  });

  it('never hands out two send times closer than the interval to stores racing as instances', async () => {
    const sub = newSubscriptionId();
    const interval = sendIntervalMs(20);
    const stores = [store(), store(), store()];
    const results = await Promise.all(
      Array.from({ length: 15 }, (_, i) => stores[i % 3].reserveSends(sub, 1 + (i % 4), interval, NOW + i, NOW + i + 1000)),
    );
    const times = results.flatMap((r) => Array.from({ length: r.granted }, (_, k) => r.first + k * interval)).sort((x, y) => x - y);
    expect(times.length).toBeGreaterThan(0);
    expect(times.length).toBeLessThanOrEqual(21);
    times.slice(1).forEach((t, i) => expect(t - times[i]).toBeGreaterThanOrEqual(interval - 1e-6));
  });

  it('hands out wake-ups one interval apart from `earliest`, also to racing stores', async () => {
    const sub = newSubscriptionId();
    const stores = [store(), store()];
    const times = await Promise.all(Array.from({ length: 10 }, (_, i) => stores[i % 2].reserveWakeups(sub, 1, 250, NOW + 1000)));
    expect([...times].sort((x, y) => x - y)).toEqual(Array.from({ length: 10 }, (_, i) => NOW + 1000 + i * 250));
    expect(await stores[0].reserveWakeups(sub, 3, 250, NOW + 60_000)).toBe(NOW + 60_000);
  });
});

describe('limit gates over dynalite as two sender instances', () => {
  it('never have more than maxConcurrency POSTs in flight nor more than the rate limit in any second', async () => {
    const sub = { id: newSubscriptionId(), maxConcurrency: 2, rateLimit: 20 };
    const clock = { now: () => new Date() };
    const gates = [0, 1].map(() => new LimitGate({ store: store(), clock, attemptTimeoutMs: 5_000 }));
    let inFlight = 0;
    let most = 0;
    const starts: number[] = [];
    let deferred = 0;
    const post = async (gate: LimitGate) => {
      for (;;) {
        const admission = await gate.admit(sub);
        if (admission.kind === 'defer') {
          deferred += 1;
          await new Promise((resolve) => setTimeout(resolve, Math.min(300, admission.until.getTime() - Date.now())));
          continue;
        }
        inFlight += 1;
        most = Math.max(most, inFlight);
        starts.push(Date.now());
        await new Promise((resolve) => setTimeout(resolve, 20));
        inFlight -= 1;
        await admission.done();
        return;
      }
    };
    await Promise.all(Array.from({ length: 40 }, (_, i) => post(gates[i % 2])));
    expect(most).toBeLessThanOrEqual(2);
    const sorted = starts.sort((x, y) => x - y);
    let perSecond = 0;
    for (let i = 0, j = 0; i < sorted.length; i += 1) {
      while (sorted[i] - sorted[j] >= 1000) j += 1;
      perSecond = Math.max(perSecond, i - j + 1);
    }
    expect(perSecond).toBeLessThanOrEqual(22);
    expect(starts).toHaveLength(40);
    expect(deferred).toBeGreaterThan(0);
  }, 120_000);
});
