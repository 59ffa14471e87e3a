// When to try again after a failed attempt, and when to give up. The policy counts attempts within the
// current budget: a resend starts a fresh budget without renumbering the attempt log.

export interface RetryPolicy {
  /** Wait after the first failed attempt of a budget. */
  baseDelayMs: number;
  /** Factor applied to the wait after each further failure (2 = doubling). */
  multiplier: number;
  /** Attempts per budget, the first one included. */
  maxAttempts: number;
  /** Each wait is spread by up to this fraction either way (0.1 = ±10 %), so retries of many deliveries do not arrive in lockstep. */
  jitter: number;
}

export interface FailureHints {
  /** The receiver's Retry-After (429, 503), in ms from the failure. */
  retryAfterMs?: number;
  /** Uniform in [0, 1); Math.random by default. */
  random?: () => number;
}

/** Wait before attempt k+1 after attempt k of a budget failed (k counts from 1). */
export function waitAfterFailedAttempt(policy: RetryPolicy, attemptInBudget: number): number {
  if (!Number.isInteger(attemptInBudget) || attemptInBudget < 1) {
    throw new RangeError(`attemptInBudget must be a positive integer, got ${attemptInBudget}`);
  }
  return Math.round(policy.baseDelayMs * policy.multiplier ** (attemptInBudget - 1));
}

/** The longest wait the policy ever makes: the one before the last attempt. */
export function longestWait(policy: RetryPolicy): number {
  return waitAfterFailedAttempt(policy, Math.max(1, policy.maxAttempts - 1));
}

/**
 * How long one budget may last: every wait of a budget whose attempts all fail, each at its longest
 * (jitter up). A delivery still waiting this long after its budget began (deferred, e.g. behind an
 * open circuit) has had the time the promise gives it and is concluded `failed`.
 */
export function retryHorizonMs(policy: RetryPolicy): number {
  let total = 0;
  for (let k = 1; k < policy.maxAttempts; k += 1) total += waitAfterFailedAttempt(policy, k);
  return Math.round(total * (1 + policy.jitter));
}

/**
 * The wait after failed attempt k: the policy's, or the receiver's Retry-After clamped between the
 * policy's wait and twice it (a receiver cannot make us hammer it, nor park a delivery for days)
 * and capped at the policy's longest wait; then jittered.
 */
export function retryWait(policy: RetryPolicy, attemptInBudget: number, hints: FailureHints = {}): number {
  const policyWait = waitAfterFailedAttempt(policy, attemptInBudget);
  let wait = policyWait;
  if (hints.retryAfterMs !== undefined) {
    wait = Math.min(Math.max(hints.retryAfterMs, policyWait), 2 * policyWait, Math.max(longestWait(policy), policyWait));
  }
  const random = hints.random ?? Math.random;
  return Math.max(0, Math.round(wait * (1 + policy.jitter * (2 * random() - 1))));
}

/** What a failed attempt leads to: another attempt at a time, or the end of the budget. */
export function afterFailedAttempt(
  policy: RetryPolicy,
  attemptInBudget: number,
  failedAt: Date,
  hints: FailureHints = {},
): { status: 'failed' } | { status: 'pending'; nextAttemptAt: string } {
  if (attemptInBudget >= policy.maxAttempts) return { status: 'failed' };
  const next = new Date(failedAt.getTime() + retryWait(policy, attemptInBudget, hints));
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
