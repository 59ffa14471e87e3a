// What the service counts. Handlers in Lambda pass a Powertools (embedded metric format) adapter;
// tests and the local runtime may pass a recorder or nothing.
import type { AttemptOutcome } from './types';

export type MetricName =
  | 'EventsIngested'
  | 'EventsRejected'
  | 'EventsRepeated'
  | 'DeliveriesCreated'
  | 'DeliveriesDelivered'
  | 'DeliveriesFailed'
  | 'DeliveriesPaused'
  | 'DeliveriesResent'
  /** A due attempt handed back and woken later without being made (e.g. behind an open circuit, or at a subscription's limits). */
  | 'DeliveriesDeferred'
  | 'AttemptsDelivered'
  | 'AttemptsHttpStatus'
  | 'AttemptsTimeout'
  | 'AttemptsNetwork'
  | 'AttemptsBlocked'
  | 'AttemptLatency'
  | 'RetriesQueued'
  | 'RetriesScheduled'
  | 'SweeperRecoveries'
  /** Whole minutes of the fan-out log past the grace period that the sweeper has not read yet (0 when it keeps up). */
  | 'SweeperBacklogMinutes'
  /** Overdue deliveries the sweeper left alone because their wake-up is still in the queue (where it can tell). */
  | 'SweeperWakeupsHeld'
  /** Wake-ups the sender ignored because the attempt was claimed already: a duplicate that cost a message and a read. */
  | 'WakeupsDuplicate'
  | 'SubscriptionsDisabled'
  /** Circuits opened by a run of failures, closed by a successful probe, and probes made. */
  | 'CircuitsOpened'
  | 'CircuitsClosed'
  | 'CircuitProbes'
  /** Wake-ups the main lane handed to the slow lane (the subscription is degraded). */
  | 'DeliveriesToSlowLane';

export interface Metrics {
  count(name: MetricName, value?: number): void;
  milliseconds(name: MetricName, value: number): void;
}

export const noMetrics: Metrics = {
  count: () => undefined,
  milliseconds: () => undefined,
};

const ATTEMPT_METRIC: Record<AttemptOutcome, MetricName> = {
  delivered: 'AttemptsDelivered',
  http_status: 'AttemptsHttpStatus',
  timeout: 'AttemptsTimeout',
  network: 'AttemptsNetwork',
  blocked: 'AttemptsBlocked',
};

export function attemptMetric(outcome: AttemptOutcome): MetricName {
  return ATTEMPT_METRIC[outcome];
}
