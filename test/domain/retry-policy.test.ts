import { describe, expect, it } from 'vitest';
import { defaults } from '../../lambdas/config';
import { afterFailedAttempt, waitAfterFailedAttempt, type RetryPolicy } from '../../lambdas/domain/retry-policy';

const policy: RetryPolicy = {
  baseDelayMs: defaults.retryBaseDelayMs,
  multiplier: defaults.retryMultiplier,
  maxAttempts: defaults.maxAttempts,
  jitter: 0,
};
const MIN = 60_000;

/** Minutes from the first attempt to each attempt of a budget in which every attempt fails at once. */
function attemptOffsets(p: RetryPolicy): number[] {
  const start = new Date(0);
  const offsets = [0];
  let failedAt = start;
  for (let k = 1; ; k += 1) {
    const next = afterFailedAttempt(p, k, failedAt);
    if (next.status === 'failed') return offsets;
    failedAt = new Date(next.nextAttemptAt);
    offsets.push((failedAt.getTime() - start.getTime()) / MIN);
  }
}

const waitsOf = (offsets: number[]) => offsets.map((offset, i) => offset - (offsets[i - 1] ?? 0));

describe('retry policy (defaults: 5 min, doubling, 10 attempts)', () => {
  it('produces the full ten-attempt schedule, the last attempt about 42.6 h after the first', () => {
    const offsets = attemptOffsets(policy);
    expect(offsets).toEqual([0, 5, 15, 35, 75, 155, 315, 635, 1275, 2555]);
    expect(waitsOf(offsets)).toEqual([0, 5, 10, 20, 40, 80, 160, 320, 640, 1280]);
    expect(offsets[9] / 60).toBeCloseTo(42.58, 2);
  });

  it('schedules the next attempt after each failure and gives up after the tenth', () => {
    const failedAt = new Date('2026-11-20T08:00:00.000Z');
    expect(afterFailedAttempt(policy, 1, failedAt)).toEqual({ status: 'pending', nextAttemptAt: '2026-11-20T08:05:00.000Z' });
    expect(afterFailedAttempt(policy, 4, failedAt)).toEqual({ status: 'pending', nextAttemptAt: '2026-11-20T08:40:00.000Z' });
    expect(afterFailedAttempt(policy, 9, failedAt)).toEqual({ status: 'pending', nextAttemptAt: '2026-11-21T05:20:00.000Z' });
    expect(afterFailedAttempt(policy, 10, failedAt)).toEqual({ status: 'failed' });
    expect(afterFailedAttempt(policy, 11, failedAt)).toEqual({ status: 'failed' });
  });

  it('follows configuration: base, multiplier and attempt count', () => {
    const short: RetryPolicy = { baseDelayMs: 200, multiplier: 2, maxAttempts: 4, jitter: 0 };
    expect(waitsOf(attemptOffsets(short)).map((m) => m * MIN)).toEqual([0, 200, 400, 800]);
    const tripling: RetryPolicy = { baseDelayMs: 1000, multiplier: 3, maxAttempts: 3, jitter: 0 };
    expect(waitsOf(attemptOffsets(tripling)).map((m) => m * MIN)).toEqual([0, 1000, 3000]);
    expect(afterFailedAttempt(short, 4, new Date(0))).toEqual({ status: 'failed' });
  });

  it('rejects an attempt number that is not a positive integer', () => {
    expect(() => waitAfterFailedAttempt(policy, 0)).toThrow(/positive integer/);
    expect(() => waitAfterFailedAttempt(policy, 1.5)).toThrow(/positive integer/);
  });
});
