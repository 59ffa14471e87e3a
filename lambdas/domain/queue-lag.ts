// How late the senders take their wake-ups off the queue, so that the sweeper can tell a wake-up lost
// from one still waiting behind a backlog. SQS cannot be looked into (the local runtime's queue can:
// local/wakeup-queue.ts), but every record says when it was first received, and when it was due (its
// `wakeAt` attribute when it was sent with a delay, else when it was sent). The senders report the
// largest lateness they saw, at most once per interval each; the sweeper leaves an overdue delivery
// to the queue while the senders were lately taking wake-ups at least that late.
import type { Clock, QueuedWakeups } from './ports';
import type { Lane } from './lanes';
import type { Log } from './log';
import type { Delivery } from './types';

export interface QueueLag {
  /** The largest lateness reported: first receive minus due time. */
  lagMs: number;
  at: string;
}

export interface QueueLagStore {
  /** Keeps the larger of `lag` and the stored one, or replaces a stored one older than `staleBefore`. */
  record(lane: Lane, lag: QueueLag, staleBefore: Date): Promise<void>;
  latest(lane: Lane): Promise<QueueLag | undefined>;
}

/** The message attribute a delayed wake-up carries: when it is due, in epoch milliseconds. */
export const WAKE_AT_ATTRIBUTE = 'wakeAt';

/** How often one sender instance writes its lateness: a write per instance and half-minute at most. */
export const LAG_REPORT_INTERVAL_MS = 30_000;
/** A report this old says nothing about the queue now (two sweeper runs). */
export const LAG_FRESH_MS = 10 * 60_000;
/** Added to the reported lateness: a report is up to an interval old, and the backlog may have grown since. */
const LAG_SLACK_MS = 60_000;

/** What one SQS record says about the queue's lateness; undefined when it does not say. */
export function latenessOf(
  attributes: { SentTimestamp?: string; ApproximateFirstReceiveTimestamp?: string },
  wakeAt?: string,
): number | undefined {
  const due = Number(wakeAt ?? attributes.SentTimestamp);
  const received = Number(attributes.ApproximateFirstReceiveTimestamp);
  if (!Number.isFinite(due) || !Number.isFinite(received)) return undefined;
  return Math.max(0, received - due);
}

/** One per sender instance: keeps the largest lateness seen and writes it at most once per interval. */
export class LagReporter {
  private largest = 0;
  private lastWrite = 0;

  constructor(
    private readonly deps: { store: Pick<QueueLagStore, 'record'>; clock: Clock; log: Log },
    private readonly lane: Lane,
  ) {}

  observe(lagMs: number): void {
    this.largest = Math.max(this.largest, lagMs);
  }

  /** Never throws: a lost report only makes the sweeper wake a little more. */
  async flush(): Promise<void> {
    const now = this.deps.clock.now();
    if (now.getTime() - this.lastWrite < LAG_REPORT_INTERVAL_MS) return;
    const lag = { lagMs: this.largest, at: now.toISOString() };
    this.largest = 0;
    this.lastWrite = now.getTime();
    try {
      await this.deps.store.record(this.lane, lag, new Date(now.getTime() - LAG_REPORT_INTERVAL_MS * 2));
    } catch (error) {
      this.deps.log.warn('queue lateness not recorded', { lane: this.lane, error: String(error) });
    }
  }
}

/**
 * QueuedWakeups for queues that cannot be looked into: a delivery overdue by less than the senders'
 * recent lateness (either lane, plus a slack) probably still has its wake-up queued. When no sender
 * reported lately there is no backlog to wait for, and everything overdue is woken.
 */
export class LaggingQueues implements QueuedWakeups {
  constructor(private readonly deps: { store: Pick<QueueLagStore, 'latest'>; clock: Clock }) {}

  async stillQueued(deliveries: Array<Pick<Delivery, 'deliveryId' | 'nextAttemptAt'>>): Promise<Set<string>> {
    const now = this.deps.clock.now().getTime();
    const reports = await Promise.all((['main', 'slow'] as const).map((lane) => this.deps.store.latest(lane)));
    const fresh = reports.filter((r): r is QueueLag => r !== undefined && now - Date.parse(r.at) <= LAG_FRESH_MS);
    if (fresh.length === 0) return new Set();
    const waitMs = Math.max(...fresh.map((r) => r.lagMs)) + LAG_SLACK_MS;
    const held = deliveries.filter((d) => d.nextAttemptAt !== undefined && now - Date.parse(d.nextAttemptAt) <= waitMs);
    return new Set(held.map((d) => d.deliveryId));
  }
}
