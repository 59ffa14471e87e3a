// Deliveries and attempt logs as support reads them. Attempt errors and response bodies come from
// receivers: they are shown with control characters made visible, errors cut to fit the table.
import type { CircuitView } from '../../lambdas/domain/circuit';
import type { Attempt, AttemptSummary, Delivery } from '../../lambdas/domain/types';
import { circuitText } from './subscriptions';
import { detailTable, listTable } from './table';
import { durationText, plural, printable, singleLine, truncate } from './text';

const ERROR_WIDTH = 60;

function outcomeText(a: Pick<AttemptSummary, 'outcome' | 'statusCode'>): string {
  return a.statusCode === undefined ? a.outcome : `${a.outcome} ${a.statusCode}`;
}

export function deliveryList(deliveries: Delivery[], more: boolean): string {
  if (deliveries.length === 0) return 'No deliveries.';
  const rows = deliveries.map((d) => [
    d.deliveryId,
    singleLine(d.eventType),
    d.status,
    d.attemptCount,
    d.lastAttempt ? outcomeText(d.lastAttempt) : '',
    d.lastAttempt?.startedAt,
    d.status === 'pending' ? d.nextAttemptAt : undefined,
    d.createdAt,
  ]);
  const table = listTable(['delivery', 'type', 'status', 'attempts', 'last outcome', 'last attempt', 'next attempt', 'created'], rows);
  const footer = more
    ? `${plural(deliveries.length, 'delivery', 'deliveries')} shown; more match: raise --limit or narrow the window`
    : plural(deliveries.length, 'delivery', 'deliveries');
  return `${table}\n${footer}`;
}

/** `circuit`: the subscription's, which decides whether a pending delivery is POSTed or waits for a probe. */
export function deliverySummary(d: Delivery, circuit?: CircuitView): string {
  return detailTable([
    ['delivery', d.deliveryId],
    ['event', d.eventId],
    ['type', singleLine(d.eventType)],
    ['subscription', d.subscriptionId],
    ['circuit', circuitText(circuit, 'detail')],
    ['status', d.statusReason ? `${d.status} (${singleLine(d.statusReason)})` : d.status],
    ['attempts', d.budgetStart > 0 ? `${d.attemptCount} (${d.attemptCount - d.budgetStart} since the last resend)` : d.attemptCount],
    [
      'next attempt',
      d.status === 'pending' && d.nextAttemptAt ? `${d.nextAttemptAt}${d.nextTrigger ? ` (${d.nextTrigger})` : ''}` : undefined,
    ],
    ['created', d.createdAt],
    ['updated', d.updatedAt],
    ['completed', d.completedAt],
  ]);
}

export function attemptTable(attempts: Attempt[]): string {
  if (attempts.length === 0) return 'No attempts yet.';
  const rows = attempts.map((a) => [
    a.number,
    a.trigger,
    a.startedAt,
    durationText(a.durationMs),
    a.outcome,
    a.statusCode,
    a.error === undefined ? '' : truncate(singleLine(a.error), ERROR_WIDTH),
  ]);
  return listTable(['#', 'trigger', 'started', 'duration', 'outcome', 'status', 'error'], rows);
}

/** The stored response excerpts (first 4 KiB of each body), one section per attempt that has one. */
export function responseBodies(attempts: Attempt[]): string {
  const withBody = attempts.filter((a) => a.responseBody !== undefined && a.responseBody !== '');
  if (withBody.length === 0) return 'No response bodies recorded.';
  return withBody
    .map(
      (a) =>
        `--- attempt #${a.number} response body${a.statusCode === undefined ? '' : ` (${a.statusCode})`} ---\n` +
        printable((a.responseBody ?? '').trimEnd()),
    )
    .join('\n');
}

export function deliveryShow(delivery: Delivery, attempts: Attempt[], bodies: boolean, circuit?: CircuitView): string {
  const parts = [deliverySummary(delivery, circuit), `Attempts (${attempts.length}):`, attemptTable(attempts)];
  if (bodies) parts.push(responseBodies(attempts));
  return parts.join('\n');
}
