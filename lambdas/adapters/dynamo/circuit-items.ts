// The circuit breaker as flat attributes of the subscription item (flat, so that each conditional
// update names exactly what it reads and writes, with no map that may be missing). No attribute:
// closed, never opened.
import type { Circuit, CircuitState } from '../../domain/circuit';
import { optionalNumber, optionalString, type Item } from './item';

export const CIRCUIT_ATTRIBUTES = {
  state: 'circuitState',
  since: 'circuitSince',
  failures: 'circuitFailures',
  runStartedAt: 'circuitRunStartedAt',
  probeAt: 'circuitProbeAt',
  backoffMs: 'circuitBackoffMs',
  waiting: 'circuitWaiting',
  slowUntil: 'slowUntil',
} as const;

const A = CIRCUIT_ATTRIBUTES;

/**
 * What fan-out reads of the circuit to pick a subscription's lane (lanes.ts). These change when the
 * circuit opens, probes or closes and when a slow mark is set, not at every counted failure.
 */
export const CIRCUIT_LANE_ATTRIBUTES: readonly string[] = [A.state, A.slowUntil];

export function circuitToItem(circuit: Circuit | undefined): Item {
  if (!circuit) return {};
  return {
    [A.state]: circuit.state,
    [A.since]: circuit.since,
    [A.failures]: circuit.failures,
    [A.runStartedAt]: circuit.runStartedAt,
    [A.probeAt]: circuit.probeAt,
    [A.backoffMs]: circuit.backoffMs,
    [A.waiting]: circuit.waiting,
    [A.slowUntil]: circuit.slowUntil,
  };
}

export function circuitFromItem(item: Item): Circuit | undefined {
  const state = optionalString(item, A.state) as CircuitState | undefined;
  const slowUntil = optionalString(item, A.slowUntil);
  const failures = optionalNumber(item, A.failures);
  if (state === undefined && slowUntil === undefined && failures === undefined) return undefined;
  const circuit: Circuit = { state: state ?? 'closed', failures: failures ?? 0, waiting: optionalNumber(item, A.waiting) ?? 0 };
  const runStartedAt = optionalString(item, A.runStartedAt);
  if (runStartedAt !== undefined) circuit.runStartedAt = runStartedAt;
  const since = optionalString(item, A.since);
  if (since !== undefined) circuit.since = since;
  const probeAt = optionalString(item, A.probeAt);
  if (probeAt !== undefined) circuit.probeAt = probeAt;
  const backoffMs = optionalNumber(item, A.backoffMs);
  if (backoffMs !== undefined) circuit.backoffMs = backoffMs;
  if (slowUntil !== undefined) circuit.slowUntil = slowUntil;
  return circuit;
}
