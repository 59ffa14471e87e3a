// A subscription's circuit breaker: pure transitions, no storage. A run of attempts that say the
// receiver is unavailable (timeouts, connection failures, 5xx) opens the circuit; while it is open
// the subscription's deliveries are deferred, not POSTed, until the next probe is due; one delivery
// at a time takes the probe (open and due -> probing, a conditional write); a successful probe closes
// the circuit, a failed one re-opens it with twice the wait.
//
// Why a run of 5 that has lasted 10 s: one timeout or 502 is a blip (a deploy, a restart) and costs
// one retry at most, so it takes a run to open it. A count alone cannot tell a receiver that is down
// from a busy, flaky one: under a 30 % random failure rate five given attempts all fail with a 0.24 %
// chance, so at tens of attempts a second a run of five comes every few seconds to every few tens of
// seconds; the soak (bench/RESULTS.md) saw circuits opened 119 times in 2.4 minutes, and deliveries
// deferred behind them past their retry horizon. Time tells the two apart: a receiver that is down
// keeps failing, so its run lasts; a random run of five at 30 attempts a second lasts under 0.2 s,
// and one of 10 s would take about 300 failures in a row (0.3^300). At low traffic (an attempt every
// 2.5 s or less often) five failures already span 10 s or more, so there the rule is the count's.
// What it costs before the circuit opens: every attempt of the run's first 10 s (5 at low traffic,
// up to some 300 at 30 a second), each holding a sender for at most the attempt timeout, and those are
// made in the slow lane once the first timeout marked the subscription slow. It costs no write while
// the receiver is healthy: the run's start is stored by the write that counts its first failure.
import type { AttemptOutcome, Subscription } from './types';

export type CircuitState = 'closed' | 'open' | 'probing';

export interface Circuit {
  state: CircuitState;
  /** When it last opened (open, probing) or closed (closed); absent for a circuit that never opened. */
  since?: string;
  /** Counted failures in a row while closed. */
  failures: number;
  /** When the current run of counted failures began (its first failure); absent with no run. */
  runStartedAt?: string;
  /** Open: when the next probe is due. Probing: when a probe that has not reported may be taken over. */
  probeAt?: string;
  /** The wait before the next probe; doubles after every failed probe. */
  backoffMs?: number;
  /** Deliveries deferred behind this circuit since it opened. */
  waiting: number;
  /** Until when the subscription's deliveries take the slow lane (an attempt was slow or timed out). */
  slowUntil?: string;
}

export interface CircuitPolicy {
  /** Counted failures in a row that open the circuit, once the run has lasted `minRunMs`. */
  failureThreshold: number;
  /** How long a run must have lasted, from its first failure, before its count opens the circuit. */
  minRunMs: number;
  /** Wait from opening to the first probe. */
  firstProbeMs: number;
  /** Longest wait between probes. */
  maxProbeMs: number;
  /** How long a probe may go without reporting before another delivery may probe (the attempt timeout and a margin). */
  probeLeaseMs: number;
  /** From taking the probe until its answer is in: the attempt timeout and a moment for the circuit's write. */
  probeAnswerMs: number;
  /** An attempt in flight or answered after this long makes the subscription slow. */
  slowAfterMs: number;
  /** How long a slow subscription stays in the slow lane after its last slow attempt. */
  slowForMs: number;
}

export const defaultCircuitPolicy = {
  failureThreshold: 5,
  minRunMs: 10_000,
  firstProbeMs: 30_000,
  maxProbeMs: 30 * 60_000,
  slowAfterMs: 2_500,
  slowForMs: 10 * 60_000,
} as const;

/** After a probe's time limit, how long its circuit write may take before the waiting deliveries look again. */
export const PROBE_ANSWER_MARGIN_MS = 2_000;

export const CLOSED: Circuit = { state: 'closed', failures: 0, waiting: 0 };

export function circuitOf(subscription: Pick<Subscription, 'circuit'>): Circuit {
  return subscription.circuit ?? CLOSED;
}

/** What the attempt said about the receiver's availability. */
export type Verdict = 'available' | 'unavailable' | 'unknown';

/** Timeouts, connection failures and 5xx count; any other answer shows the receiver is there. */
export function verdictOf(outcome: AttemptOutcome, statusCode: number | undefined): Verdict {
  if (outcome === 'timeout' || outcome === 'network') return 'unavailable';
  if (outcome === 'http_status' && statusCode !== undefined && statusCode >= 500) return 'unavailable';
  // A blocked target was never asked: it says nothing about the receiver.
  if (outcome === 'blocked') return 'unknown';
  return 'available';
}

/** What the sender does with a due attempt, by the circuit. */
export type Gate = { kind: 'pass' } | { kind: 'probe' } | { kind: 'defer'; until: Date };

export function gateOf(circuit: Circuit, now: Date, policy: Pick<CircuitPolicy, 'probeLeaseMs' | 'probeAnswerMs'>): Gate {
  if (circuit.state === 'closed') return { kind: 'pass' };
  const due = circuit.probeAt === undefined || Date.parse(circuit.probeAt) <= now.getTime();
  if (due) return { kind: 'probe' };
  const probeAt = new Date(Date.parse(circuit.probeAt!));
  if (circuit.state === 'open') return { kind: 'defer', until: probeAt };
  return { kind: 'defer', until: behindProbe(probeAt, now, policy) };
}

/**
 * A delivery that finds a probe in flight wakes when the probe's answer is in, not when its lease
 * ends: after a failed probe the next one is due within the backoff (as short as a second), and
 * only an awake delivery can take it. Once the answer is overdue (its write is late, or the probe's
 * sender died) it looks again every `probeAnswerMs` until the lease lets it take over.
 */
export function behindProbe(leaseEnd: Date, now: Date, policy: Pick<CircuitPolicy, 'probeLeaseMs' | 'probeAnswerMs'>): Date {
  const answered = leaseEnd.getTime() - policy.probeLeaseMs + policy.probeAnswerMs;
  const at = answered > now.getTime() ? answered : Math.min(leaseEnd.getTime(), now.getTime() + policy.probeAnswerMs);
  return new Date(at);
}

/**
 * When a deferred delivery wakes: the circuit's next probe time, spread over a tenth of the wait (at
 * least a second) so that the deliveries released after a successful probe do not all come at once.
 */
export function deferredUntil(gateUntil: Date, circuit: Circuit, random: () => number): Date {
  const spread = Math.max(1_000, Math.round((circuit.backoffMs ?? 0) / 10));
  return new Date(gateUntil.getTime() + Math.floor(random() * spread));
}

/**
 * The longest a delivery sleeps behind an open circuit before it looks again. Not needed while the
 * circuit's close releases its waiting deliveries (delivery/release.ts); it bounds the wait after a
 * release that was lost.
 */
export const LONGEST_CIRCUIT_WAIT_MS = 6 * 3_600_000;

/** Where a delivery deferred behind a circuit goes: when it wakes, and since when it waits there. */
export interface CircuitWait {
  until: Date;
  /** Carried by its wake-up: kept from the last one if it waited behind this opening, else now. */
  waitingSince: string;
}

/**
 * A delivery deferred behind `circuit`, whose wake-up says it waits since `waitingSince`. The first
 * time behind this opening, it wakes at the next probe (`deferredUntil`). Once it has waited behind
 * it, it sleeps as long again (up to LONGEST_CIRCUIT_WAIT_MS), and no earlier than the next probe:
 * about a dozen wake-ups over a two-day outage instead of one per probe, while new deliveries still
 * come at each probe to take it. The close releases them all. Behind a probe in flight it wakes when
 * the probe's answer is due, as every delivery does: the answer may close the circuit.
 */
export function circuitWait(
  gateUntil: Date,
  circuit: Circuit,
  now: Date,
  waitingSince: string | undefined,
  random: () => number,
): CircuitWait {
  const atProbe = deferredUntil(gateUntil, circuit, random);
  if (!waitsBehindOpening(circuit, waitingSince)) return { until: atProbe, waitingSince: now.toISOString() };
  const waited = Math.min(LONGEST_CIRCUIT_WAIT_MS, now.getTime() - Date.parse(waitingSince!));
  const until = circuit.state === 'open' ? new Date(Math.max(atProbe.getTime(), now.getTime() + waited)) : atProbe;
  return { until, waitingSince: waitingSince! };
}

/** Whether a delivery whose wake-up says it waits since `waitingSince` has waited behind this very opening of `circuit`. */
export function waitsBehindOpening(circuit: Circuit, waitingSince: string | undefined): boolean {
  return waitingSince !== undefined && circuit.since !== undefined && waitingSince >= circuit.since;
}

/** What of a circuit picks a subscription's lane: all fan-out reads of it (the `byStatus` index holds no more). */
export type LaneCircuit = Pick<Circuit, 'state' | 'slowUntil'>;

/** The slow lane takes subscriptions whose circuit is not closed or that were slow lately. */
export function isDegraded(circuit: LaneCircuit, now: Date): boolean {
  return circuit.state !== 'closed' || (circuit.slowUntil !== undefined && Date.parse(circuit.slowUntil) > now.getTime());
}

/** An attempt that took this long says the receiver is slow (timeouts included). */
export function isSlow(outcome: AttemptOutcome, durationMs: number, policy: Pick<CircuitPolicy, 'slowAfterMs'>): boolean {
  return outcome === 'timeout' || durationMs >= policy.slowAfterMs;
}

/**
 * Whether marking the subscription slow until `now + slowForMs` is worth a write: not while it is
 * marked for more than half of that still, so a slow receiver costs a write per half window at most.
 */
export function needsSlowMark(circuit: Circuit, now: Date, policy: Pick<CircuitPolicy, 'slowForMs'>): boolean {
  if (circuit.slowUntil === undefined) return true;
  return Date.parse(circuit.slowUntil) - now.getTime() < policy.slowForMs / 2;
}

/** The change one attempt's verdict asks of the stored circuit; the repository applies it conditionally. */
export type CircuitChange =
  | { kind: 'none' }
  /** One more counted failure while closed; opens when the run is long enough (`runOpens`). */
  | { kind: 'count' }
  /** An answer ends a run of failures while closed. */
  | { kind: 'reset' }
  /** The probe succeeded. */
  | { kind: 'close' }
  /** The probe failed: open again, the wait doubled. */
  | { kind: 'reopen'; backoffMs: number };

export function changeAfter(
  circuit: Circuit,
  verdict: Verdict,
  probe: boolean,
  policy: Pick<CircuitPolicy, 'firstProbeMs' | 'maxProbeMs'>,
): CircuitChange {
  if (verdict === 'unknown') return probe ? { kind: 'reopen', backoffMs: nextBackoff(circuit, policy) } : { kind: 'none' };
  if (probe) return verdict === 'available' ? { kind: 'close' } : { kind: 'reopen', backoffMs: nextBackoff(circuit, policy) };
  // Attempts that began before the circuit opened and end after it: the probe decides, not they.
  if (circuit.state !== 'closed') return { kind: 'none' };
  if (verdict === 'unavailable') return { kind: 'count' };
  return circuit.failures > 0 ? { kind: 'reset' } : { kind: 'none' };
}

function nextBackoff(circuit: Circuit, policy: Pick<CircuitPolicy, 'firstProbeMs' | 'maxProbeMs'>): number {
  return Math.min(policy.maxProbeMs, Math.max(policy.firstProbeMs, (circuit.backoffMs ?? policy.firstProbeMs) * 2));
}

/** The closed circuit after one more counted failure: a failure with no run starts one. */
export function counted(circuit: Circuit, now: Date): Circuit {
  return { ...circuit, failures: circuit.failures + 1, runStartedAt: circuit.runStartedAt ?? now.toISOString() };
}

/**
 * Whether a closed circuit's run, as counted, opens it: at least `failureThreshold` failures and a
 * run that began `minRunMs` ago or earlier. A run that is long enough in count but not yet in time
 * keeps counting, and a later failure of it opens the circuit once the time has passed.
 */
export function runOpens(circuit: Circuit, now: Date, policy: Pick<CircuitPolicy, 'failureThreshold' | 'minRunMs'>): boolean {
  if (circuit.state !== 'closed' || circuit.failures < policy.failureThreshold || circuit.runStartedAt === undefined) return false;
  return Date.parse(circuit.runStartedAt) <= runStartedBy(now, policy).getTime();
}

/** The latest start of a run that may open the circuit now. */
export function runStartedBy(now: Date, policy: Pick<CircuitPolicy, 'minRunMs'>): Date {
  return new Date(now.getTime() - policy.minRunMs);
}

/** The open circuit a run that opens it becomes (its count and run start are cleared). */
export function opened(now: Date, policy: Pick<CircuitPolicy, 'firstProbeMs'>): Pick<Circuit, 'state' | 'since' | 'probeAt' | 'backoffMs'> {
  return {
    state: 'open',
    since: now.toISOString(),
    probeAt: new Date(now.getTime() + policy.firstProbeMs).toISOString(),
    backoffMs: policy.firstProbeMs,
  };
}

/** What support sees: the state, since when, and the deliveries waiting behind it. */
export interface CircuitView {
  state: CircuitState;
  since?: string;
  waiting: number;
}

export function circuitView(circuit: Circuit): CircuitView {
  const view: CircuitView = { state: circuit.state, waiting: circuit.state === 'closed' ? 0 : circuit.waiting };
  if (circuit.since !== undefined) view.since = circuit.since;
  return view;
}
