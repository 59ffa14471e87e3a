// The auto-disable rule over days of simulated attempts: what it costs in subscription writes under
// intermittent failures, and that its meaning holds ("disabled when every attempt has failed for
// FAILING_DISABLE_AFTER_MS"). The sender's real subscription cache sits between the attempts and an
// in-memory repository that counts writes.
import { describe, expect, it } from 'vitest';
import { silentLog } from '../../lambdas/domain/log';
import type { Clock, PutOptions, SubscriptionNotice, SubscriptionRepository } from '../../lambdas/domain/ports';
import { ConflictError } from '../../lambdas/domain/errors';
import { recordSubscriptionHealth } from '../../lambdas/domain/subscription-health';
import { SubscriptionLookup } from '../../lambdas/domain/subscription-lookup';
import { handleSubscriptionAction } from '../../lambdas/domain/subscriptions';
import type { AttemptOutcome, FanoutTarget, Subscription, SubscriptionStatus } from '../../lambdas/domain/types';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const DISABLE_AFTER = 5 * DAY;
const CACHE_MS = 30_000;

class ManualClock implements Clock {
  private ms = Date.parse('2026-11-02T08:00:00.000Z');
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Stores copies, as DynamoDB would, and counts the writes. */
class MemorySubscriptions implements SubscriptionRepository {
  private readonly items = new Map<string, Subscription>();
  writes = 0;

  async create(subscription: Subscription): Promise<void> {
    this.writes += 1;
    this.items.set(subscription.id, structuredClone(subscription));
  }
  async get(id: string): Promise<Subscription | undefined> {
    const item = this.items.get(id);
    return item && structuredClone(item);
  }
  async listByStatus(statuses: readonly SubscriptionStatus[]): Promise<Subscription[]> {
    return [...this.items.values()]
      .filter((s) => statuses.includes(s.status))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .map((s) => structuredClone(s));
  }
  /** As the DynamoDB repository: the failing run and the circuit stay as stored (ports.ts). */
  async put(subscription: Subscription, { expectedUpdatedAt, endFailingRun }: PutOptions = {}): Promise<void> {
    this.writes += 1;
    const stored = this.items.get(subscription.id);
    if (!stored || (expectedUpdatedAt !== undefined && stored.updatedAt !== expectedUpdatedAt)) throw new ConflictError('changed');
    const { failingSince: _since, runDeliveredAt: _delivered, circuit: _circuit, ...supportOwned } = structuredClone(subscription);
    const { failingSince, runDeliveredAt, circuit } = stored;
    const next: Subscription = { ...supportOwned, ...(circuit && { circuit }) };
    if (!endFailingRun && failingSince !== undefined) next.failingSince = failingSince;
    if (!endFailingRun && runDeliveredAt !== undefined) next.runDeliveredAt = runDeliveredAt;
    this.items.set(subscription.id, next);
  }
  async markFailing(id: string, since: string, replacing?: string): Promise<boolean> {
    this.writes += 1;
    const stored = this.items.get(id);
    if (!stored || stored.failingSince !== replacing) return false;
    stored.failingSince = since;
    delete stored.runDeliveredAt;
    return true;
  }
  async markRunDelivered(id: string, at: string, since: string): Promise<void> {
    this.writes += 1;
    const stored = this.items.get(id);
    if (stored && stored.failingSince === since && stored.runDeliveredAt === undefined) stored.runDeliveredAt = at;
  }
  async clearFailing(id: string): Promise<void> {
    this.writes += 1;
    const stored = this.items.get(id);
    if (stored) {
      delete stored.failingSince;
      delete stored.runDeliveredAt;
    }
  }
  async listTargets(status: SubscriptionStatus): Promise<FanoutTarget[]> {
    return (await this.listByStatus([status])).map(({ id, status: current, eventTypes }) => ({ id, status: current, eventTypes }));
  }
  async version(): Promise<number> {
    return this.writes;
  }
  stored(id: string): Subscription {
    return structuredClone(this.items.get(id)!);
  }
}

function setup() {
  const clock = new ManualClock();
  const repository = new MemorySubscriptions();
  const lookup = new SubscriptionLookup(repository, clock, CACHE_MS);
  const notices: SubscriptionNotice[] = [];
  const deps = {
    subscriptionRepository: repository,
    notifier: { notify: async (notice: SubscriptionNotice) => void notices.push(notice) },
    clock,
    log: silentLog,
    failingDisableAfterMs: DISABLE_AFTER,
    forget: (id: string) => lookup.forget(id),
  };
  const unused = () => Promise.reject(new Error('no test events here'));
  const testEvents = {
    deliveries: { putEventIfAbsent: unused },
    fanoutLog: { record: unused },
    wakeups: { sendNow: unused },
    maxEventBytes: 0,
  };
  const subscriptions = { repository, clock, log: silentLog, rules: { allowHttp: false }, secretGraceMs: DAY, testEvents };
  const id = 'sub_aaaaaaaaaaaaaaaaaaaa';
  const at = clock.now().toISOString();
  void repository.create({ id, url: 'https://example.com/hook?secret=s3cr3t', status: 'active', createdAt: at, updatedAt: at });
  repository.writes = 0;

  /** One attempt's outcome, seen through the sender's cache, as the sender records it. */
  async function attempt(outcome: 'delivered' | 'failed' | 'gone'): Promise<void> {
    const subscription = await lookup.get(id);
    if (subscription?.status !== 'active') return;
    const recorded: AttemptOutcome = outcome === 'delivered' ? 'delivered' : 'http_status';
    await recordSubscriptionHealth(deps, subscription, recorded, outcome === 'gone' ? 410 : outcome === 'failed' ? 500 : 200);
  }

  /** Attempts every `everyMs` for `forMs`, each failing when `fails(i)`; returns when it stops early. */
  async function attempts(forMs: number, everyMs: number, fails: (i: number) => boolean): Promise<void> {
    for (let i = 0, t = 0; t < forMs; i += 1, t += everyMs) {
      await attempt(fails(i) ? 'failed' : 'delivered');
      if (repository.stored(id).status !== 'active') return;
      clock.advance(everyMs);
    }
  }

  return { clock, repository, notices, id, attempt, attempts, subscriptions };
}

/** Deterministic "30 % of responses fail" (a small LCG), so a failing test fails the same way again. */
function thirtyPercent(seed = 7): (i: number) => boolean {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648 < 0.3;
  };
}

describe('subscription health', () => {
  it('keeps a subscription with intermittent failures active, at most three writes an hour', async () => {
    const s = setup();
    // Six days, one attempt every 10 s (51,840 attempts), 30 % of them failing.
    await s.attempts(6 * DAY, 10_000, thirtyPercent());

    const stored = s.repository.stored(s.id);
    expect(stored.status).toBe('active');
    expect(s.notices).toEqual([]);
    // Each run of failures costs a write when it starts, one for the first delivery in its first hour,
    // and one when a delivery ends it, an hour later at the earliest.
    expect(s.repository.writes).toBeGreaterThan(0);
    expect(s.repository.writes).toBeLessThanOrEqual(3 * 6 * 24 + 1);
  });

  it('writes nothing for a healthy subscription', async () => {
    const s = setup();
    await s.attempts(DAY, MIN, () => false);
    expect(s.repository.writes).toBe(0);
  });

  it('shows support when the failing run started, and a delivery ends the run once it is an hour old', async () => {
    const s = setup();
    const started = s.clock.now().toISOString();
    await s.attempt('failed');
    expect(s.repository.stored(s.id).failingSince).toBe(started);

    // A delivery in the run's first hour is remembered (once), and does not end the run.
    s.clock.advance(30 * MIN);
    await s.attempt('delivered');
    expect(s.repository.stored(s.id)).toMatchObject({ failingSince: started, runDeliveredAt: s.clock.now().toISOString() });

    s.clock.advance(31 * MIN);
    await s.attempt('delivered');
    expect(s.repository.stored(s.id).failingSince).toBeUndefined();
    expect(s.repository.stored(s.id).runDeliveredAt).toBeUndefined();
    expect(s.repository.writes).toBe(3);
  });

  it('disables a subscription after 5 days of failed attempts (reason failing) and notifies support once', async () => {
    const s = setup();
    const started = s.clock.now().getTime();
    await s.attempts(7 * DAY, 10 * MIN, () => true);

    const stored = s.repository.stored(s.id);
    expect(stored).toMatchObject({ status: 'disabled', disabledReason: 'failing' });
    const disabledAt = Date.parse(stored.updatedAt);
    expect(disabledAt - started).toBeGreaterThanOrEqual(DISABLE_AFTER);
    expect(disabledAt - started).toBeLessThanOrEqual(DISABLE_AFTER + HOUR + 10 * MIN);
    expect(s.notices).toEqual([
      expect.objectContaining({
        subscriptionId: s.id,
        reason: 'failing',
        url: 'https://example.com/hook?secret=***',
        detail: expect.stringMatching(/^every attempt of the last 5\.0 days has failed \(failing since /),
      }),
    ]);
    // The run's start and the disable itself.
    expect(s.repository.writes).toBe(2);
  });

  it('never disables a subscription that delivered within the last 5 days, even in its failing run’s first hour', async () => {
    const s = setup();
    await s.attempt('failed');
    s.clock.advance(50 * MIN);
    await s.attempt('delivered');
    const delivered = s.clock.now().getTime();
    expect(s.repository.stored(s.id).failingSince).toBeDefined();

    await s.attempts(6 * DAY, 10 * MIN, () => true);
    const stored = s.repository.stored(s.id);
    expect(stored.status).toBe('disabled');
    expect(Date.parse(stored.updatedAt) - delivered).toBeGreaterThanOrEqual(DISABLE_AFTER);
  });

  it('judges a quiet receiver by its new failures, not by a run a delivery interrupted days ago', async () => {
    const s = setup();
    await s.attempt('failed');
    const firstRun = s.repository.stored(s.id).failingSince;
    s.clock.advance(5 * MIN);
    await s.attempt('delivered');
    expect(s.repository.stored(s.id)).toMatchObject({ failingSince: firstRun, runDeliveredAt: s.clock.now().toISOString() });

    // A week without traffic, then one failure: a new run starts there; nothing is disabled.
    s.clock.advance(7 * DAY);
    await s.attempt('failed');
    const stored = s.repository.stored(s.id);
    expect(stored).toMatchObject({ status: 'active', failingSince: s.clock.now().toISOString() });
    expect(stored.runDeliveredAt).toBeUndefined();
    expect(s.notices).toEqual([]);

    // That new run is judged on its own: five days more of failures disable it.
    await s.attempts(6 * DAY, 10 * MIN, () => true);
    expect(s.repository.stored(s.id)).toMatchObject({ status: 'disabled', disabledReason: 'failing' });
  });

  it('does not disable on a cached copy when the stored subscription delivered meanwhile', async () => {
    const s = setup();
    await s.attempts(DAY, 10 * MIN, () => true);
    const cached = s.repository.stored(s.id);
    s.clock.advance(5 * DAY);
    // Another instance delivered and ended the run; this one still holds the old copy.
    await s.repository.clearFailing(s.id);
    await recordSubscriptionHealth(
      {
        subscriptionRepository: s.repository,
        notifier: { notify: async () => undefined },
        clock: s.clock,
        log: silentLog,
        failingDisableAfterMs: DISABLE_AFTER,
        forget: () => undefined,
      },
      cached,
      'http_status',
      500,
    );
    expect(s.repository.stored(s.id).status).toBe('active');
  });

  it('starts the clock again when support enables a disabled subscription', async () => {
    const s = setup();
    await s.attempts(7 * DAY, 10 * MIN, () => true);
    expect(s.repository.stored(s.id).status).toBe('disabled');

    s.clock.advance(HOUR);
    const enabled = await handleSubscriptionAction(s.subscriptions, { action: 'enable', id: s.id });
    expect(enabled).toMatchObject({ subscription: { status: 'active' } });
    expect(s.repository.stored(s.id).failingSince).toBeUndefined();
    const enabledAt = s.clock.now().getTime();

    // The receiver is still down: a new run starts with the first failure after enabling.
    s.clock.advance(CACHE_MS);
    await s.attempts(4 * DAY, 10 * MIN, () => true);
    expect(s.repository.stored(s.id).status).toBe('active');
    await s.attempts(2 * DAY, 10 * MIN, () => true);
    const stored = s.repository.stored(s.id);
    expect(stored).toMatchObject({ status: 'disabled', disabledReason: 'failing' });
    expect(Date.parse(stored.updatedAt) - enabledAt).toBeGreaterThanOrEqual(DISABLE_AFTER);
  });

  it('still disables at once on 410 Gone (reason gone)', async () => {
    const s = setup();
    await s.attempt('gone');
    expect(s.repository.stored(s.id)).toMatchObject({ status: 'disabled', disabledReason: 'gone' });
    expect(s.notices).toEqual([expect.objectContaining({ reason: 'gone' })]);
  });
});
