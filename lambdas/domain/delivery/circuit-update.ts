// The circuit's update after the POST: what the attempt says about the receiver's availability
// moves the circuit (circuit.ts), and a slow attempt keeps the subscription in the slow lane. A
// healthy receiver costs no write here: nothing is written while the circuit is closed with no
// failures counted and the attempt was quick. After any write the sender's cached subscription is
// dropped, so that its next delivery sees the circuit as written (a failure's count included).
import { changeAfter, circuitOf, isSlow, needsSlowMark, verdictOf } from '../circuit';
import { noMetrics } from '../metrics';
import { redactUrl } from '../redaction';
import type { CircuitNotice } from '../ports';
import { releaseWaiting } from './release';
import type { Concluded, SendDeps } from './steps';

type UpdateDeps = Pick<
  SendDeps,
  | 'circuits'
  | 'circuitPolicy'
  | 'subscriptions'
  | 'notifier'
  | 'clock'
  | 'log'
  | 'metrics'
  | 'waitList'
  | 'deliveries'
  | 'wakeups'
  | 'scheduler'
>;

export async function updateCircuit(deps: UpdateDeps, concluded: Concluded): Promise<void> {
  const { subscription, attempt } = concluded;
  const now = deps.clock.now();
  const circuit = circuitOf(subscription);
  if (
    !concluded.slowMarked &&
    isSlow(attempt.outcome, attempt.durationMs, deps.circuitPolicy) &&
    needsSlowMark(circuit, now, deps.circuitPolicy)
  ) {
    await markSlow(deps, subscription.id, now);
  }
  const change = changeAfter(circuit, verdictOf(attempt.outcome, attempt.statusCode), concluded.probe === true, deps.circuitPolicy);
  const id = subscription.id;
  switch (change.kind) {
    case 'none':
      return;
    case 'reset':
      await deps.circuits.resetFailures(id);
      break;
    case 'count':
      // Forgotten after every count too (below): a cached copy without it would take the next
      // answer for no reset, and the run would go on across that answer until old enough to open.
      await countFailure(deps, concluded, now);
      break;
    case 'close': {
      const closed = await deps.circuits.close(id, now);
      if (!closed) return;
      (deps.metrics ?? noMetrics).count('CircuitsClosed');
      await tell(
        deps,
        concluded,
        'circuit-closed',
        `the probe was answered (${attempt.statusCode ?? attempt.outcome}); waiting deliveries are released`,
      );
      await releaseOnClose(deps, concluded, closed.openedAt, now);
      break;
    }
    case 'reopen':
      if (!(await deps.circuits.reopen(id, now, change.backoffMs))) return;
      deps.log.info('circuit probe failed; circuit open again', {
        ...concluded.fields,
        nextProbeInMs: change.backoffMs,
        outcome: attempt.outcome,
      });
      break;
  }
  deps.subscriptions.forget(id);
}

/**
 * The first page of the deliveries that waited behind the circuit (release.ts). A failure here is
 * logged, not thrown: the probe's own delivery is concluded already, so a retry of its message
 * would not come back here; the waiting deliveries then wake on their own.
 */
async function releaseOnClose(deps: UpdateDeps, concluded: Concluded, openedAt: string | undefined, closedAt: Date): Promise<void> {
  if (openedAt === undefined) return;
  try {
    await releaseWaiting(deps, concluded.subscription, { openedAt, closedAt: closedAt.toISOString() }, concluded.wakeup);
  } catch (error) {
    deps.log.error('could not release the deliveries that waited behind the circuit; they wake on their own', {
      ...concluded.fields,
      error: String(error),
    });
  }
}

/** One more failure of the run; when the run now opens the circuit (circuit.ts), support is told. */
async function countFailure(deps: UpdateDeps, concluded: Concluded, now: Date): Promise<void> {
  const { subscription, attempt } = concluded;
  const counted = await deps.circuits.countFailure(subscription.id, now, deps.circuitPolicy);
  if (!counted?.opened) return;
  (deps.metrics ?? noMetrics).count('CircuitsOpened');
  const lasted = ((now.getTime() - Date.parse(counted.run.runStartedAt ?? now.toISOString())) / 1000).toFixed(1);
  await tell(
    deps,
    concluded,
    'circuit-opened',
    `${counted.run.failures} attempts in a row failed over ${lasted} s (last: ${attempt.error ?? attempt.outcome}); ` +
      `deliveries wait for a probe at ${counted.circuit.probeAt}`,
  );
}

/** Keeps the subscription in the slow lane for `slowForMs` from now; drops the cached copy so the lane takes effect here at once. */
export async function markSlow(
  deps: Pick<UpdateDeps, 'circuits' | 'circuitPolicy' | 'subscriptions'>,
  id: string,
  now: Date,
): Promise<void> {
  await deps.circuits.markSlow(id, new Date(now.getTime() + deps.circuitPolicy.slowForMs));
  deps.subscriptions.forget(id);
}

/** One notice when a circuit opens and one when it closes, never one per failure. A lost notice is logged, not retried. */
async function tell(deps: UpdateDeps, concluded: Concluded, kind: CircuitNotice['kind'], detail: string): Promise<void> {
  const notice: CircuitNotice = {
    kind,
    subscriptionId: concluded.subscription.id,
    url: redactUrl(concluded.subscription.url),
    at: deps.clock.now().toISOString(),
    detail,
  };
  deps.log.warn(kind === 'circuit-opened' ? 'circuit opened: deliveries wait for probes' : 'circuit closed: receiver answers again', {
    ...notice,
  });
  try {
    await deps.notifier.notify(notice);
  } catch (error) {
    deps.log.error('could not notify support of a circuit change', { subscriptionId: notice.subscriptionId, kind, error: String(error) });
  }
}
