import { describe, expect, it } from 'vitest';
import {
  changeAfter,
  circuitView,
  circuitWait,
  CLOSED,
  counted,
  defaultCircuitPolicy,
  deferredUntil,
  gateOf,
  isDegraded,
  isSlow,
  LONGEST_CIRCUIT_WAIT_MS,
  needsSlowMark,
  opened,
  runOpens,
  verdictOf,
  type Circuit,
} from '../../lambdas/domain/circuit';

// An attempt timeout of 5 s: the probe's lease is 35 s, its answer is in within 7 s.
const policy = { ...defaultCircuitPolicy, probeLeaseMs: 35_000, probeAnswerMs: 7_000 };
const t0 = new Date('2026-11-30T10:00:00.000Z');
const after = (ms: number) => new Date(t0.getTime() + ms);
const open: Circuit = { failures: 0, waiting: 3, ...opened(t0, policy) };

describe('circuit verdicts', () => {
  it('counts timeouts, connection failures and 5xx as unavailable; any other answer as available; a blocked target as neither', () => {
    expect(verdictOf('timeout', undefined)).toBe('unavailable');
    expect(verdictOf('network', undefined)).toBe('unavailable');
    expect(verdictOf('http_status', 503)).toBe('unavailable');
    expect(verdictOf('http_status', 500)).toBe('unavailable');
    expect(verdictOf('http_status', 429)).toBe('available');
    expect(verdictOf('http_status', 404)).toBe('available');
    expect(verdictOf('delivered', 200)).toBe('available');
    expect(verdictOf('blocked', undefined)).toBe('unknown');
  });
});

describe('circuit transitions', () => {
  it('counts failures while closed and resets the run on an answer, writing nothing for a healthy receiver', () => {
    expect(changeAfter(CLOSED, 'unavailable', false, policy)).toEqual({ kind: 'count' });
    expect(changeAfter({ ...CLOSED, failures: 3 }, 'available', false, policy)).toEqual({ kind: 'reset' });
    expect(changeAfter(CLOSED, 'available', false, policy)).toEqual({ kind: 'none' });
    expect(changeAfter({ ...CLOSED, failures: 2 }, 'unknown', false, policy)).toEqual({ kind: 'none' });
  });

  it('starts a run with its first counted failure and keeps its start while it counts', () => {
    const first = counted(CLOSED, t0);
    expect(first).toEqual({ state: 'closed', failures: 1, runStartedAt: t0.toISOString(), waiting: 0 });
    expect(counted(counted(first, after(400)), after(900))).toMatchObject({ failures: 3, runStartedAt: t0.toISOString() });
  });

  it('opens on a run of failureThreshold failures only once the run has lasted minRunMs', () => {
    const run = (failures: number, startedMsAgo: number, now = after(60_000)): Circuit => ({
      ...CLOSED,
      failures,
      runStartedAt: new Date(now.getTime() - startedMsAgo).toISOString(),
    });
    // A busy, flaky receiver: five random failures within a second do not open it.
    expect(runOpens(run(5, 800), after(60_000), policy)).toBe(false);
    expect(runOpens(run(5, 9_999), after(60_000), policy)).toBe(false);
    expect(runOpens(run(5, 10_000), after(60_000), policy)).toBe(true);
    // The same run, still failing: a later failure opens it once the 10 s have passed.
    expect(runOpens(run(40, 10_500), after(60_000), policy)).toBe(true);
    // A long run of fewer failures than the threshold (low traffic) does not.
    expect(runOpens(run(4, 600_000), after(60_000), policy)).toBe(false);
    // A count with no recorded start (stored before runs were timed) waits for its next failure to start one.
    expect(runOpens({ ...CLOSED, failures: 9 }, after(60_000), policy)).toBe(false);
    expect(runOpens({ ...open, failures: 9, runStartedAt: t0.toISOString() }, after(60_000), policy)).toBe(false);
    // minRunMs 0: the count alone decides.
    expect(runOpens(counted(run(4, 0), after(60_000)), after(60_000), { ...policy, minRunMs: 0 })).toBe(true);
  });

  it('opens with the first probe due after firstProbeMs', () => {
    expect(opened(t0, policy)).toEqual({ state: 'open', since: t0.toISOString(), probeAt: after(30_000).toISOString(), backoffMs: 30_000 });
  });

  it('closes on a successful probe and re-opens on a failed one with a doubled wait, up to the longest', () => {
    const probing: Circuit = { ...open, state: 'probing' };
    expect(changeAfter(probing, 'available', true, policy)).toEqual({ kind: 'close' });
    expect(changeAfter(probing, 'unavailable', true, policy)).toEqual({ kind: 'reopen', backoffMs: 60_000 });
    expect(changeAfter({ ...probing, backoffMs: 20 * 60_000 }, 'unavailable', true, policy)).toEqual({
      kind: 'reopen',
      backoffMs: 30 * 60_000,
    });
    // A probe to a target that is now blocked proves nothing: the circuit stays open, waiting longer.
    expect(changeAfter(probing, 'unknown', true, policy)).toEqual({ kind: 'reopen', backoffMs: 60_000 });
  });

  it('lets no attempt but the probe change an open circuit', () => {
    expect(changeAfter(open, 'available', false, policy)).toEqual({ kind: 'none' });
    expect(changeAfter(open, 'unavailable', false, policy)).toEqual({ kind: 'none' });
  });
});

describe('circuit gate', () => {
  it('passes while closed, defers until the probe is due while open, then lets one probe', () => {
    expect(gateOf(CLOSED, t0, policy)).toEqual({ kind: 'pass' });
    expect(gateOf(open, after(29_999), policy)).toEqual({ kind: 'defer', until: after(30_000) });
    expect(gateOf(open, after(30_000), policy)).toEqual({ kind: 'probe' });
  });

  it('defers behind a live probe until its answer is in, and lets a stalled probe be taken over once its lease ends', () => {
    // Taken at 30 s: its lease ends at 65 s, its answer is in by 37 s.
    const probing: Circuit = { ...open, state: 'probing', probeAt: after(65_000).toISOString() };
    expect(gateOf(probing, after(31_000), policy)).toEqual({ kind: 'defer', until: after(37_000) });
    // The answer is overdue (a late write, or the probe's sender died): look again every 7 s, never past the lease.
    expect(gateOf(probing, after(40_000), policy)).toEqual({ kind: 'defer', until: after(47_000) });
    expect(gateOf(probing, after(60_000), policy)).toEqual({ kind: 'defer', until: after(65_000) });
    expect(gateOf(probing, after(65_000), policy)).toEqual({ kind: 'probe' });
  });

  it('spreads deferred deliveries over a tenth of the wait, at least a second', () => {
    const at = after(30_000);
    expect(deferredUntil(at, open, () => 0)).toEqual(at);
    expect(deferredUntil(at, open, () => 0.999).getTime() - at.getTime()).toBe(2_997);
    expect(deferredUntil(at, { ...open, backoffMs: 1_000 }, () => 0.5).getTime() - at.getTime()).toBe(500);
  });

  it('wakes a delivery at the probe the first time, then after as long again as it has waited behind this opening', () => {
    const probe = after(30_000);
    // New behind this circuit (no wait, or a wait behind an earlier opening): the probe time.
    expect(circuitWait(probe, open, after(1_000), undefined, () => 0).until).toEqual(probe);
    expect(circuitWait(probe, open, after(1_000), after(-60_000).toISOString(), () => 0).until).toEqual(probe);
    // Waited 100 s since this opening: sleeps 100 s more, past the probe.
    expect(circuitWait(probe, open, after(100_000), t0.toISOString(), () => 0).until).toEqual(after(200_000));
    // Never before the probe: waited 5 s, the probe is 25 s away.
    expect(circuitWait(probe, open, after(5_000), t0.toISOString(), () => 0).until).toEqual(probe);
    // Behind a probe in flight: at its answer, however long it has waited (the answer may close the circuit).
    const probing: Circuit = { ...open, state: 'probing' };
    expect(circuitWait(after(37_000), probing, after(100_000), t0.toISOString(), () => 0).until).toEqual(after(37_000));
    // At most LONGEST_CIRCUIT_WAIT_MS at a time.
    const day = 86_400_000;
    expect(circuitWait(probe, open, after(day), t0.toISOString(), () => 0).until).toEqual(after(day + LONGEST_CIRCUIT_WAIT_MS));
  });

  it('keeps when a delivery began waiting across deferrals behind one opening, and starts anew behind another', () => {
    expect(circuitWait(after(60_000), open, after(50_000), undefined, () => 0).waitingSince).toBe(after(50_000).toISOString());
    expect(circuitWait(after(60_000), open, after(50_000), after(10_000).toISOString(), () => 0).waitingSince).toBe(
      after(10_000).toISOString(),
    );
    expect(circuitWait(after(60_000), open, after(50_000), after(-1).toISOString(), () => 0).waitingSince).toBe(
      after(50_000).toISOString(),
    );
  });

  it('wakes a delivery about a dozen times over a two-day outage, where the probes come a hundred times', () => {
    const outage = { ...open, backoffMs: policy.maxProbeMs };
    let now = after(0);
    let wakeups = 0;
    while (now.getTime() < after(2 * 86_400_000).getTime()) {
      now = circuitWait(new Date(now.getTime() + policy.maxProbeMs), outage, now, t0.toISOString(), () => 0).until;
      wakeups += 1;
    }
    // 30 min, 1 h, 2 h, 4 h, then every 6 h: 12 wake-ups, where a wake-up at every probe (30 min) would be 96.
    expect(wakeups).toBe(12);
  });
});

describe('slow lane', () => {
  it('takes subscriptions whose circuit is not closed or that were slow until a time still ahead', () => {
    expect(isDegraded(CLOSED, t0)).toBe(false);
    expect(isDegraded(open, t0)).toBe(true);
    expect(isDegraded({ ...CLOSED, slowUntil: after(1).toISOString() }, t0)).toBe(true);
    expect(isDegraded({ ...CLOSED, slowUntil: t0.toISOString() }, t0)).toBe(false);
  });

  it('calls an attempt slow when it timed out or took slowAfterMs', () => {
    expect(isSlow('timeout', 5_000, policy)).toBe(true);
    // Half the 5 s attempt timeout: an answer within a second or two is not slow.
    expect(isSlow('delivered', 2_499, policy)).toBe(false);
    expect(isSlow('delivered', 2_500, policy)).toBe(true);
    expect(isSlow('http_status', 4_000, policy)).toBe(true);
  });

  it('marks a slow subscription again only when less than half its slow window is left', () => {
    expect(needsSlowMark(CLOSED, t0, policy)).toBe(true);
    expect(needsSlowMark({ ...CLOSED, slowUntil: after(policy.slowForMs / 2 + 1).toISOString() }, t0, policy)).toBe(false);
    expect(needsSlowMark({ ...CLOSED, slowUntil: after(policy.slowForMs / 2 - 1).toISOString() }, t0, policy)).toBe(true);
  });
});

describe('circuit view', () => {
  it('shows state, since and the deliveries waiting; none wait behind a closed circuit', () => {
    expect(circuitView(open)).toEqual({ state: 'open', since: t0.toISOString(), waiting: 3 });
    expect(circuitView({ ...CLOSED, since: t0.toISOString(), waiting: 7 })).toEqual({
      state: 'closed',
      since: t0.toISOString(),
      waiting: 0,
    });
    expect(circuitView(CLOSED)).toEqual({ state: 'closed', waiting: 0 });
  });
});
