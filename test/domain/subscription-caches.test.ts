// The subscription caches of ingest (FanoutTargets) and the sender (SubscriptionLookup): kept while
// the subscriptions' version stays the same, dropped when it changes.
import { describe, expect, it } from 'vitest';
import { FanoutTargets, INDEX_SETTLE_MS } from '../../lambdas/domain/fanout-targets';
import type { Clock } from '../../lambdas/domain/ports';
import { SubscriptionLookup } from '../../lambdas/domain/subscription-lookup';
import type { FanoutTarget, Subscription, SubscriptionStatus } from '../../lambdas/domain/types';

class ManualClock implements Clock {
  ms = Date.parse('2026-11-30T00:00:00Z');
  now(): Date {
    return new Date(this.ms);
  }
}

/** Counts reads; `stale` makes the index lag behind the table, as a global secondary index may. */
class FakeSubscriptions {
  current = 0;
  reads = { version: 0, list: 0, get: 0 };
  subscriptions: Subscription[] = [];
  indexed: Subscription[] | undefined;
  versionFails = false;

  write(subscriptions: Subscription[], indexLags = false): void {
    if (indexLags) this.indexed = this.subscriptions;
    this.subscriptions = subscriptions;
    this.current += 1;
  }
  async version(): Promise<number> {
    this.reads.version += 1;
    if (this.versionFails) throw new Error('throttled');
    return this.current;
  }
  async listTargets(status: SubscriptionStatus): Promise<FanoutTarget[]> {
    if (status === 'active') this.reads.list += 1;
    return (this.indexed ?? this.subscriptions).filter((s) => s.status === status).map(({ id, status: st }) => ({ id, status: st }));
  }
  async get(id: string): Promise<Subscription | undefined> {
    this.reads.get += 1;
    return this.subscriptions.find((s) => s.id === id);
  }
}

const sub = (id: string, url = 'https://x.example/a'): Subscription => ({ id, url, status: 'active', createdAt: 'c', updatedAt: 'u' });

describe('FanoutTargets', () => {
  it('reads the version once per batch and keeps the list while it is unchanged', async () => {
    const clock = new ManualClock();
    const repo = new FakeSubscriptions();
    repo.write([sub('sub_a')]);
    const targets = new FanoutTargets(repo, clock, 60_000);
    await targets.list();
    clock.ms += INDEX_SETTLE_MS;
    await targets.list();
    const listed = repo.reads.list;
    for (let i = 0; i < 5; i += 1) expect((await targets.list()).map((t) => t.id)).toEqual(['sub_a']);
    expect(repo.reads.list).toBe(listed);
    expect(repo.reads.version).toBe(7);
  });

  it('sees a subscription created just now in the next batch', async () => {
    const clock = new ManualClock();
    const repo = new FakeSubscriptions();
    repo.write([sub('sub_a')]);
    const targets = new FanoutTargets(repo, clock, 60_000);
    clock.ms += INDEX_SETTLE_MS;
    await targets.list();
    repo.write([sub('sub_a'), sub('sub_b')]);
    expect((await targets.list()).map((t) => t.id)).toEqual(['sub_a', 'sub_b']);
  });

  it('keeps no list read while the index may still lag behind a change, and catches up after', async () => {
    const clock = new ManualClock();
    const repo = new FakeSubscriptions();
    repo.write([sub('sub_a')]);
    const targets = new FanoutTargets(repo, clock, 60_000);
    clock.ms += INDEX_SETTLE_MS;
    await targets.list();
    repo.write([sub('sub_a'), sub('sub_b')], true);
    expect((await targets.list()).map((t) => t.id)).toEqual(['sub_a']);
    repo.indexed = undefined; // the index caught up
    clock.ms += 100;
    expect((await targets.list()).map((t) => t.id)).toEqual(['sub_a', 'sub_b']);
  });

  it('lists again once the list is older than the time limit', async () => {
    const clock = new ManualClock();
    const repo = new FakeSubscriptions();
    const targets = new FanoutTargets(repo, clock, 10_000);
    clock.ms += INDEX_SETTLE_MS;
    await targets.list();
    const listed = repo.reads.list;
    clock.ms += 10_000;
    await targets.list();
    expect(repo.reads.list).toBe(listed + 1);
  });
});

describe('SubscriptionLookup', () => {
  it('keeps a subscription while the version is unchanged and reads it again after any write', async () => {
    const clock = new ManualClock();
    const repo = new FakeSubscriptions();
    repo.write([sub('sub_a', 'https://x.example/old')]);
    const lookup = new SubscriptionLookup(repo, clock, 60_000);
    await lookup.refresh();
    await lookup.get('sub_a');
    await lookup.refresh();
    expect((await lookup.get('sub_a'))?.url).toBe('https://x.example/old');
    expect(repo.reads.get).toBe(1);
    repo.write([sub('sub_a', 'https://x.example/new')]);
    await lookup.refresh();
    expect((await lookup.get('sub_a'))?.url).toBe('https://x.example/new');
  });

  it('caches nothing while the version cannot be read', async () => {
    const clock = new ManualClock();
    const repo = new FakeSubscriptions();
    repo.write([sub('sub_a')]);
    const lookup = new SubscriptionLookup(repo, clock, 60_000);
    repo.versionFails = true;
    await lookup.refresh();
    await lookup.get('sub_a');
    await lookup.get('sub_a');
    expect(repo.reads.get).toBe(2);
  });

  it('does not keep a read that a newer version overtook', async () => {
    const clock = new ManualClock();
    const repo = new FakeSubscriptions();
    repo.write([sub('sub_a', 'https://x.example/old')]);
    const lookup = new SubscriptionLookup(repo, clock, 60_000);
    await lookup.refresh();
    const reading = lookup.get('sub_a'); // reads the old subscription...
    repo.write([sub('sub_a', 'https://x.example/new')]);
    await lookup.refresh(); // ...while another batch sees the change
    expect((await reading)?.url).toBe('https://x.example/old');
    expect((await lookup.get('sub_a'))?.url).toBe('https://x.example/new');
  });

  it('serves refreshes asked together with one version read, and one asked during a read with a read that starts after it', async () => {
    const clock = new ManualClock();
    const repo = new FakeSubscriptions();
    repo.write([sub('sub_a', 'https://x.example/old')]);
    const lookup = new SubscriptionLookup(repo, clock, 60_000);
    await Promise.all(Array.from({ length: 10 }, () => lookup.refresh()));
    expect(repo.reads.version).toBe(1);
    await lookup.get('sub_a');
    // A refresh asked while the version is being read must not take that read: the write may come after it started.
    const first = lookup.refresh();
    await new Promise<void>((resolve) => setImmediate(resolve));
    repo.write([sub('sub_a', 'https://x.example/new')]);
    const second = lookup.refresh();
    await Promise.all([first, second]);
    expect(repo.reads.version).toBe(3);
    expect((await lookup.get('sub_a'))?.url).toBe('https://x.example/new');
  });
});
