// The delivery state machine's predicates: which transition a stored delivery allows, and when.
import { describe, expect, it } from 'vitest';
import {
  canClaim,
  canClose,
  canComplete,
  canDefer,
  canPause,
  canRestart,
  canWatch,
  hasLiveLease,
  type DeliveryState,
} from '../../lambdas/domain/delivery-lifecycle';

const T = (minute: number) => `2026-11-01T00:${String(minute).padStart(2, '0')}:00.000Z`;
const now = T(10);

/** Pending, attempt 1 done and released, attempt 2 due at minute 5. */
function state(overrides: Partial<DeliveryState> = {}): DeliveryState {
  return { status: 'pending', attemptCount: 1, nextAttemptAt: T(5), updatedAt: T(1), watched: true, ...overrides };
}

describe('canClaim', () => {
  it('allows the next attempt once it is due and no live lease holds the delivery', () => {
    expect(canClaim(state(), { attempt: 2, now, creates: false })).toBe(true);
    expect(canClaim(state({ leaseUntil: T(9) }), { attempt: 2, now, creates: false })).toBe(true);
  });

  it('refuses an attempt not due yet, one that does not follow the last, or a settled delivery', () => {
    expect(canClaim(state({ nextAttemptAt: T(11) }), { attempt: 2, now, creates: false })).toBe(false);
    expect(canClaim(state(), { attempt: 3, now, creates: false })).toBe(false);
    for (const status of ['delivered', 'failed', 'paused'] as const) {
      expect(canClaim(state({ status }), { attempt: 2, now, creates: false })).toBe(false);
    }
  });

  it('lets a sender take over the same attempt only once its lease has run out', () => {
    expect(canClaim(state({ attemptCount: 2, leaseUntil: T(9) }), { attempt: 2, now, creates: false })).toBe(true);
    expect(canClaim(state({ attemptCount: 2, leaseUntil: T(10) }), { attempt: 2, now, creates: false })).toBe(false);
    expect(canClaim(state({ attemptCount: 2, leaseUntil: T(11) }), { attempt: 2, now, creates: false })).toBe(false);
    expect(canClaim(state({ attemptCount: 2 }), { attempt: 2, now, creates: false })).toBe(false);
  });

  it('claims a planned (unstored) delivery only when the claim creates it', () => {
    expect(canClaim(undefined, { attempt: 1, now, creates: true })).toBe(true);
    expect(canClaim(undefined, { attempt: 1, now, creates: false })).toBe(false);
  });
});

describe('canComplete, canClose and canDefer', () => {
  it('allow only the sender still holding its claim: same attempt, same lease', () => {
    const claimed = state({ attemptCount: 2, leaseUntil: T(12) });
    for (const can of [canComplete, canClose, canDefer]) {
      expect(can(claimed, { attempt: 2, lease: T(12) })).toBe(true);
      expect(can(claimed, { attempt: 2, lease: T(13) })).toBe(false);
      expect(can(claimed, { attempt: 1, lease: T(12) })).toBe(false);
      expect(can(state({ attemptCount: 2 }), { attempt: 2, lease: T(12) })).toBe(false);
      expect(can(undefined, { attempt: 2, lease: T(12) })).toBe(false);
    }
  });
});

describe('canRestart', () => {
  it('restarts a delivery unchanged since it was read, unless an attempt is in flight', () => {
    expect(canRestart(state({ status: 'failed' }), { now, seenUpdatedAt: T(1) })).toBe(true);
    expect(canRestart(state({ status: 'failed' }), { now, seenUpdatedAt: T(2) })).toBe(false);
    expect(canRestart(state({ leaseUntil: T(9) }), { now, seenUpdatedAt: T(1) })).toBe(true);
    expect(canRestart(state({ leaseUntil: T(10) }), { now, seenUpdatedAt: T(1) })).toBe(false);
  });

  it('restarts a planned delivery only while nothing is stored for it', () => {
    expect(canRestart(undefined, { now, seenUpdatedAt: undefined })).toBe(true);
    expect(canRestart(state(), { now, seenUpdatedAt: undefined })).toBe(false);
    expect(canRestart(undefined, { now, seenUpdatedAt: T(1) })).toBe(false);
  });
});

describe('canWatch and canPause', () => {
  it('watches a planned delivery or a pending one not yet watched', () => {
    expect(canWatch(undefined)).toBe(true);
    expect(canWatch(state({ watched: false }))).toBe(true);
    expect(canWatch(state({ watched: true }))).toBe(false);
    expect(canWatch(state({ status: 'delivered', watched: false }))).toBe(false);
  });

  it('stores a paused delivery only where nothing is stored', () => {
    expect(canPause(undefined)).toBe(true);
    expect(canPause(state())).toBe(false);
  });
});

describe('hasLiveLease', () => {
  it('holds up to and including the lease time', () => {
    expect(hasLiveLease({ leaseUntil: T(11) }, now)).toBe(true);
    expect(hasLiveLease({ leaseUntil: T(10) }, now)).toBe(true);
    expect(hasLiveLease({ leaseUntil: T(9) }, now)).toBe(false);
    expect(hasLiveLease({}, now)).toBe(false);
  });
});
