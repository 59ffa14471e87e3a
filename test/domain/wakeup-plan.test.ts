import { describe, expect, it } from 'vitest';
import { planWakeup, resumingWakeup } from '../../lambdas/domain/wakeup-plan';

const now = new Date('2026-11-20T08:00:00.000Z');
const later = (ms: number) => new Date(now.getTime() + ms);

describe('planWakeup', () => {
  it('uses an SQS delay up to 15 minutes', () => {
    expect(planWakeup(now, now)).toEqual({ kind: 'queue', delayMs: 0 });
    expect(planWakeup(now, later(-5000))).toEqual({ kind: 'queue', delayMs: 0 });
    expect(planWakeup(now, later(5 * 60_000))).toEqual({ kind: 'queue', delayMs: 300_000 });
    expect(planWakeup(now, later(900_000))).toEqual({ kind: 'queue', delayMs: 900_000 });
  });

  it('uses a one-time schedule beyond 15 minutes, also when rounding up would pass the limit', () => {
    expect(planWakeup(now, later(900_001))).toEqual({ kind: 'schedule', at: later(900_001) });
    expect(planWakeup(now, later(10 * 60_000 * 2))).toEqual({ kind: 'schedule', at: later(1_200_000) });
  });
});

describe('resumingWakeup', () => {
  it('wakes the next attempt, or the same one again when its lease ran out', () => {
    expect(resumingWakeup({ deliveryId: 'd', attemptCount: 2 })).toEqual({ deliveryId: 'd', attempt: 3 });
    expect(resumingWakeup({ deliveryId: 'd', attemptCount: 2, leaseUntil: '2026-11-20T08:00:00.000Z' })).toEqual({
      deliveryId: 'd',
      attempt: 2,
    });
  });
});
