// A subscription's circuit breaker: pure transitions, no storage. A run of attempts that say the
// receiver is unavailable (timeouts, connection failures, 5xx) opens the circuit; while it is open
// the subscription's deliveries are deferred, not POSTed, until the next probe is due; one delivery
// at a time takes the probe (open and due -> probing, a conditional write); a successful probe closes
// the circuit, a failed one re-opens it with twice the wait.
//
// Why a run of 5: one timeout or 502 is a blip (a deploy, a restart) and costs one retry at most; 5
// in a row from a receiver that otherwise answers is rare (under a 30 % random failure rate it is a
// 0.2 % chance per run of five), while a receiver that is down produces them within seconds. At
// tens of attempts a second that chance still comes every few seconds (bench/RESULTS.md, the soak):
// a failure rate over a window would tell a busy, flaky receiver from one that is down. What a
// run of 5 costs before the circuit opens: 5 attempts, each holding a sender for at most the attempt
// timeout, and those are made in the slow lane once the first timeout marked the subscription slow.
import type { AttemptOutcome, Subscription } from './types';

export type CircuitState = 'closed' | 'open' | 'probing';

export interface Circuit {
  state: CircuitState;
  /** When it last opened (open, probing) or closed (closed); absent for a circuit that never opened. */
  since?: string;
  /** Counted failures in a row while closed. */
  failures: number;
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
  /** Counted failures in a row that open the circuit. */
  failureThreshold: number;
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
  firstProbeMs: 30_000,
  maxProbeMs: 30 * 60_000,
  slowAfterMs: 1_000,
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

/** The slow lane takes subscriptions whose circuit is not closed or that were slow lately. */
export function isDegraded(circuit: Circuit, now: Date): boolean {
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
  /** One more counted failure while closed; opens when the count reaches the threshold. */
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

/** The open circuit a count that reached the threshold becomes. */
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
