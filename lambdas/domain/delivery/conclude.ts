// Conclude: what the attempt means for the delivery (delivered, paused on 410 Gone, retried or
// failed by the retry policy), recorded with the attempt while this sender still holds the lease.
import { attemptMetric, noMetrics } from '../metrics';
import type { AttemptConclusion } from '../ports';
import { afterFailedAttempt } from '../retry-policy';
import { isGone } from '../subscription-health';
import { stop, type Classified, type Concluded, type SendDeps, type Stop } from './steps';

type ConcludeDeps = Pick<SendDeps, 'deliveries' | 'policy' | 'random' | 'metrics' | 'log'>;

export function conclusionOf(deps: Pick<SendDeps, 'policy' | 'random'>, classified: Classified): AttemptConclusion {
  const { attempt, delivery, endedAt } = classified;
  if (attempt.outcome === 'delivered') return { status: 'delivered' };
  if (isGone(attempt.outcome, attempt.statusCode)) return { status: 'paused' };
  return afterFailedAttempt(deps.policy, attempt.number - delivery.budgetStart, endedAt, {
    retryAfterMs: classified.retryAfterMs,
    random: deps.random,
  });
}

export async function conclude(deps: ConcludeDeps, classified: Classified): Promise<Concluded | Stop> {
  const conclusion = conclusionOf(deps, classified);
  const { delivery, attempt, endedAt } = classified;
  const recorded = await deps.deliveries.completeAttempt(delivery, attempt, conclusion, endedAt.toISOString());
  const metrics = deps.metrics ?? noMetrics;
  metrics.count(attemptMetric(attempt.outcome));
  metrics.milliseconds('AttemptLatency', attempt.durationMs);
  const concluded = { ...classified, conclusion };
  if (!recorded) {
    deps.log.warn('attempt made but the delivery was taken over meanwhile; result not applied', attemptLogFields(concluded));
    return stop({ kind: 'skipped', reason: 'lease lost' });
  }
  return concluded;
}

/** The log fields of a concluded attempt: ids, outcome and conclusion, never a secret. */
export function attemptLogFields(concluded: Concluded): Record<string, unknown> {
  const { attempt } = concluded;
  return {
    ...concluded.fields,
    outcome: attempt.outcome,
    statusCode: attempt.statusCode,
    durationMs: attempt.durationMs,
    conclusion: concluded.conclusion.status,
  };
}
