// Arrange the next wake-up of a delivery left pending, then say what the attempt concluded: one
// report (metric and log line) per conclusion.
import { noMetrics, type Metrics } from '../metrics';
import type { AttemptConclusion } from '../ports';
import { carriedEvent, wakeAt, type WakeupPlan } from '../wakeup-plan';
import { attemptLogFields } from './conclude';
import type { Concluded, SendDeps } from './steps';

type NextDeps = Pick<SendDeps, 'wakeups' | 'scheduler' | 'metrics' | 'log'>;

export async function arrangeNextWakeup(deps: NextDeps, concluded: Concluded): Promise<void> {
  const { conclusion, delivery, wakeup, endedAt } = concluded;
  let plan: WakeupPlan | undefined;
  if (conclusion.status === 'pending') {
    const next = { deliveryId: delivery.deliveryId, attempt: wakeup.attempt + 1, event: carriedEvent(concluded.event) };
    plan = await wakeAt(deps, next, endedAt, new Date(conclusion.nextAttemptAt));
  }
  REPORTS[conclusion.status](deps.metrics ?? noMetrics, deps.log, concluded, plan);
}

type Report = (metrics: Metrics, log: SendDeps['log'], concluded: Concluded, plan: WakeupPlan | undefined) => void;

const REPORTS: Record<AttemptConclusion['status'], Report> = {
  pending: (metrics, log, concluded, plan) => {
    metrics.count(plan?.kind === 'queue' ? 'RetriesQueued' : 'RetriesScheduled');
    const nextAttemptAt = concluded.conclusion.status === 'pending' ? concluded.conclusion.nextAttemptAt : undefined;
    log.info('attempt failed; retry arranged', {
      ...attemptLogFields(concluded),
      nextAttemptAt,
      wakeup: plan?.kind,
      error: concluded.attempt.error,
    });
  },
  failed: (metrics, log, concluded) => {
    metrics.count('DeliveriesFailed');
    log.warn('attempt failed; no attempts left, delivery failed', { ...attemptLogFields(concluded), error: concluded.attempt.error });
  },
  paused: (metrics, log, concluded) => {
    metrics.count('DeliveriesPaused');
    log.warn('receiver answered 410 Gone; delivery paused', attemptLogFields(concluded));
  },
  delivered: (metrics, log, concluded) => {
    metrics.count('DeliveriesDelivered');
    log.debug('delivered', attemptLogFields(concluded));
  },
};
