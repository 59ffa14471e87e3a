// The safety net: DynamoDB is the source of truth, queue messages and schedules only wake the sender.
// Two passes per run:
// 1. The fan-out log: every event is looked at once, a grace period after ingest. Each delivery of
//    its plan that has not settled and is not yet watched (never attempted, or its first attempt
//    still claimed) is put under watch: into the pending index, due at the event's receipt or when
//    its lease runs out. A checkpoint remembers the minutes done, so a failed run is repeated.
// 2. Watched pending deliveries whose next attempt is overdue by more than the grace period lost
//    their wake-up (or their sender died mid-attempt) and are woken again.
// Extra wake-ups are harmless: the sender's conditional claim admits one.
import type { Log } from './log';
import { mapLimited } from './map-limited';
import { noMetrics, type Metrics } from './metrics';
import type { Clock, DeliveryRepository, FanoutLog, QueuedWakeups, WakeupQueue } from './ports';
import { isDueForWakeup, resumingWakeup } from './wakeup-plan';

export interface SweepDeps {
  deliveries: Pick<DeliveryRepository, 'listOverdue' | 'watchUnsettled'>;
  fanoutLog: Pick<FanoutLog, 'eventIdsOf' | 'sweptUntil' | 'setSweptUntil' | 'createdAt'>;
  wakeups: Pick<WakeupQueue, 'sendNow'>;
  /** Where the queue can be looked into: overdue deliveries whose wake-up is still queued are left to it. */
  queued?: QueuedWakeups;
  clock: Clock;
  log: Log;
  metrics?: Metrics;
  graceMs: number;
  /**
   * Most deliveries woken per run. Woken deliveries stay overdue until the sender claims them, so a
   * larger backlog is worked off over the next runs rather than re-read within one.
   */
  limit?: number;
  /** Most fan-out log minutes read per run; a sweeper that was down catches up over several runs. */
  maxMinutes?: number;
}

export interface SweepResult {
  /** Events looked at in the fan-out log. */
  events: number;
  /** Deliveries of those events put under watch. */
  watched: number;
  overdue: number;
  /** Overdue, but their wake-up is still waiting in the queue (a backlog, not a loss): not woken. */
  held: number;
  woken: number;
  failed: number;
}

const MINUTE_MS = 60_000;
/**
 * Where a sweeper with no checkpoint starts: the first run after a deploy looks this far back, but
 * not before the log was created (a new store has nothing older, and 8 Queries per empty minute of
 * an hour are 480 requests that a fresh local runtime would make while its first events arrive).
 */
export const FIRST_SWEEP_LOOKBACK_MS = 60 * MINUTE_MS;
const EVENT_CONCURRENCY = 8;

/** The whole minute an instant falls in, as ISO 8601 (`2026-11-27T15:21:00.000Z`). */
export function minuteOf(at: Date): string {
  return new Date(Math.floor(at.getTime() / MINUTE_MS) * MINUTE_MS).toISOString();
}

export interface SweepBudget {
  /** Milliseconds left for pass 1; pass 2 needs what remains after it. */
  remainingMs(): number;
}

const NO_BUDGET: SweepBudget = { remainingMs: () => Number.POSITIVE_INFINITY };

/**
 * Both passes. Pass 2 runs whatever pass 1 does (a failure or a backlog there must not stop lost
 * retries from being woken); pass 1's error is thrown after it, so the run still shows it.
 */
export async function sweep(deps: SweepDeps, budget: SweepBudget = NO_BUDGET): Promise<SweepResult> {
  let fanouts: Pick<SweepResult, 'events' | 'watched'> = { events: 0, watched: 0 };
  let failure: { error: unknown } | undefined;
  try {
    fanouts = await sweepFanouts(deps, budget);
  } catch (error) {
    failure = { error };
  }
  const overdue = await sweepOverdue(deps);
  if (failure) throw failure.error;
  return { ...fanouts, ...overdue };
}

/**
 * Pass 1: whole minutes of the fan-out log that ended more than the grace period ago, oldest
 * first, while the budget lasts. The checkpoint moves after every minute that had events and at
 * the end, so a run that is cut short (timeout, error) is resumed where it stopped.
 */
export async function sweepFanouts(deps: SweepDeps, budget: SweepBudget = NO_BUDGET): Promise<Pick<SweepResult, 'events' | 'watched'>> {
  const now = deps.clock.now();
  const horizon = Date.parse(minuteOf(new Date(now.getTime() - deps.graceMs)));
  let minute = await firstMinute(deps.fanoutLog, horizon);
  const last = Math.min(horizon, minute + (deps.maxMinutes ?? 120) * MINUTE_MS);
  const result = { events: 0, watched: 0 };
  let saved = minute;
  const save = async () => {
    if (minute > saved) await deps.fanoutLog.setSweptUntil(new Date(minute).toISOString());
    saved = minute;
  };
  try {
    while (minute < last && budget.remainingMs() > 0) {
      const eventIds = await deps.fanoutLog.eventIdsOf(new Date(minute).toISOString());
      const watched = await mapLimited(eventIds, EVENT_CONCURRENCY, (eventId) => deps.deliveries.watchUnsettled(eventId));
      result.events += eventIds.length;
      result.watched += watched.flat().length;
      minute += MINUTE_MS;
      // An empty minute costs nothing to read again; a busy one is not repeated after a cut.
      if (eventIds.length > 0) await save();
    }
  } finally {
    // Looking at an event twice is harmless: a run that fails part-way is repeated from here.
    await save();
  }
  if (result.watched > 0) deps.log.warn('deliveries not yet settled after the grace period put under watch', { ...result });
  const lagMinutes = Math.max(0, (horizon - minute) / MINUTE_MS);
  (deps.metrics ?? noMetrics).count('SweeperBacklogMinutes', lagMinutes);
  if (lagMinutes > 0)
    deps.log.warn('fan-out log not swept up to the grace horizon yet; the next run goes on', {
      lagMinutes,
      sweptUntil: new Date(minute).toISOString(),
    });
  return result;
}

/** The checkpoint, or for a first run the lookback's start, not before the log's creation. */
async function firstMinute(fanoutLog: SweepDeps['fanoutLog'], horizon: number): Promise<number> {
  const checkpoint = await fanoutLog.sweptUntil();
  if (checkpoint !== undefined) return Date.parse(checkpoint);
  const lookback = horizon - FIRST_SWEEP_LOOKBACK_MS;
  const created = await fanoutLog.createdAt();
  const from = created === undefined ? lookback : Math.max(lookback, Date.parse(created));
  return Date.parse(minuteOf(new Date(from)));
}

/** Pass 2: watched pending deliveries overdue by more than the grace period. */
export async function sweepOverdue(deps: SweepDeps): Promise<Pick<SweepResult, 'overdue' | 'held' | 'woken' | 'failed'>> {
  const now = deps.clock.now();
  const dueBefore = new Date(now.getTime() - deps.graceMs).toISOString();
  const due = (await deps.deliveries.listOverdue(dueBefore, deps.limit ?? 1000)).filter((d) => isDueForWakeup(d, now));
  const queued = deps.queued && due.length > 0 ? await deps.queued.stillQueued(due) : new Set<string>();
  const overdue = due.filter((d) => !queued.has(d.deliveryId));
  const unsent = overdue.length === 0 ? [] : await deps.wakeups.sendNow(overdue.map(resumingWakeup));
  const result = { overdue: due.length, held: due.length - overdue.length, woken: overdue.length - unsent.length, failed: unsent.length };
  const metrics = deps.metrics ?? noMetrics;
  metrics.count('SweeperRecoveries', result.woken);
  metrics.count('SweeperWakeupsHeld', result.held);
  if (result.woken + result.failed > 0) deps.log.warn('overdue deliveries woken again', { ...result, dueBefore });
  else if (result.held > 0) deps.log.info('overdue deliveries still queued; not woken again', { ...result, dueBefore });
  else deps.log.info('no overdue deliveries', { dueBefore });
  return result;
}
