// The safety net: DynamoDB is the source of truth, queue messages and schedules only wake the sender.
// Any pending delivery whose next attempt is overdue by more than the grace period lost its wake-up
// (or its sender died mid-attempt); the sweeper wakes it again. Extra wake-ups are harmless: the
// sender's conditional claim admits one.
import type { Log } from './log';
import { noMetrics, type Metrics } from './metrics';
import type { Clock, DeliveryRepository, WakeupQueue } from './ports';
import { isDueForWakeup, resumingWakeup } from './wakeup-plan';

export interface SweepDeps {
  deliveries: Pick<DeliveryRepository, 'listOverdue'>;
  wakeups: Pick<WakeupQueue, 'sendNow'>;
  clock: Clock;
  log: Log;
  metrics?: Metrics;
  graceMs: number;
  /**
   * Most deliveries woken per run. Woken deliveries stay overdue until the sender claims them, so a
   * larger backlog is worked off over the next runs rather than re-read within one.
   */
  limit?: number;
}

export interface SweepResult {
  overdue: number;
  woken: number;
  failed: number;
}

export async function sweepOverdue(deps: SweepDeps): Promise<SweepResult> {
  const now = deps.clock.now();
  const dueBefore = new Date(now.getTime() - deps.graceMs).toISOString();
  const overdue = (await deps.deliveries.listOverdue(dueBefore, deps.limit ?? 1000)).filter((d) => isDueForWakeup(d, now));
  const unsent = overdue.length === 0 ? [] : await deps.wakeups.sendNow(overdue.map(resumingWakeup));
  const result: SweepResult = { overdue: overdue.length, woken: overdue.length - unsent.length, failed: unsent.length };
  (deps.metrics ?? noMetrics).count('SweeperRecoveries', result.woken);
  if (result.overdue > 0) deps.log.warn('overdue deliveries woken again', { ...result, dueBefore });
  else deps.log.info('no overdue deliveries', { dueBefore });
  return result;
}
