// When to try again after a failed attempt, and when to give up. The policy counts attempts within the
// current budget: a resend starts a fresh budget without renumbering the attempt log.
import type { AttemptConclusion } from './ports';

export interface RetryPolicy {
  /** Wait after the first failed attempt of a budget. */
  baseDelayMs: number;
  /** Factor applied to the wait after each further failure (2 = doubling). */
  multiplier: number;
  /** Attempts per budget, the first one included. */
  maxAttempts: number;
}

/** Wait before attempt k+1 after attempt k of a budget failed (k counts from 1). */
export function waitAfterFailedAttempt(policy: RetryPolicy, attemptInBudget: number): number {
  if (!Number.isInteger(attemptInBudget) || attemptInBudget < 1) {
    throw new RangeError(`attemptInBudget must be a positive integer, got ${attemptInBudget}`);
  }
  return Math.round(policy.baseDelayMs * policy.multiplier ** (attemptInBudget - 1));
}

/** What a failed attempt leads to: another attempt at a time, or the end of the budget. */
export function afterFailedAttempt(
  policy: RetryPolicy,
  attemptInBudget: number,
  failedAt: Date,
): Extract<AttemptConclusion, { status: 'failed' | 'pending' }> {
  if (attemptInBudget >= policy.maxAttempts) return { status: 'failed' };
  const next = new Date(failedAt.getTime() + waitAfterFailedAttempt(policy, attemptInBudget));
  return { status: 'pending', nextAttemptAt: next.toISOString() };
}

export interface ScheduledAttempt {
  attempt: number;
  /** Wait before this attempt, after the previous one failed (0 for the first). */
  waitMs: number;
  /** Time from the first attempt, ignoring how long the attempts themselves take. */
  offsetMs: number;
}

/** The whole schedule of one budget in which every attempt fails, for documentation and tests. */
export function retrySchedule(policy: RetryPolicy): ScheduledAttempt[] {
  const out: ScheduledAttempt[] = [{ attempt: 1, waitMs: 0, offsetMs: 0 }];
  for (let k = 1; k < policy.maxAttempts; k += 1) {
    const waitMs = waitAfterFailedAttempt(policy, k);
    out.push({ attempt: k + 1, waitMs, offsetMs: out[k - 1]!.offsetMs + waitMs });
  }
  return out;
}
