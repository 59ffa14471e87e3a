// The Lambda SQS event source mapping, in process: workers receive batches from a queue, hand each to
// the handler as a real SQSEvent, delete the records that succeeded and let the reported failures
// (or the whole batch, when the handler throws) come back after the visibility timeout.
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import type { Log } from '../lambdas/domain/log';
import type { LocalQueue, MessageAttributes, ReceivedMessage } from './queue';
import { md5OfBody } from './sqs-md5';

export type SqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

export interface PollerOptions {
  queue: Pick<LocalQueue, 'name' | 'receive' | 'delete' | 'release' | 'waitForMessages'>;
  handler: SqsHandler;
  /** Batches processed at the same time (Lambda's concurrency on the event source). */
  concurrency: number;
  /**
   * Hand records out one by one as slots free (`concurrency` x `batchSize` slots), each as an SQSEvent
   * of its own, instead of batches that wait for their slowest record: one hanging POST then holds
   * one slot, not nine healthy records with it. Receive, visibility, delete and release stay per
   * record, as in SQS. For the senders; ingest keeps whole batches (its fan-out log is per batch).
   */
  recordsAsSlotsFree?: boolean;
  batchSize: number;
  queueArn: string;
  region: string;
  log: Log;
}

/** Longest idle wait before a worker looks again (a long poll's length). */
const IDLE_WAIT_MS = 1_000;

export class QueuePoller {
  private readonly abort = new AbortController();
  private workers: Promise<void>[] = [];
  /** Whether the last receive found a full batch: only then do the workers beyond the first poll. */
  private backlog = false;
  private readonly backlogWaiters = new Set<() => void>();

  constructor(private readonly options: PollerOptions) {}

  start(): void {
    if (this.workers.length > 0) return;
    if (this.options.recordsAsSlotsFree) {
      this.workers.push(this.dispatch());
      return;
    }
    for (let i = 0; i < this.options.concurrency; i += 1) this.workers.push(this.work(i));
  }

  /** Stops receiving and resolves once every batch in flight has been settled. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.wakeExtraWorkers();
    await Promise.all(this.workers);
  }

  /**
   * Worker 0 always polls; the others only while messages wait (the last receive found a full
   * batch), as Lambda adds concurrency to an event source only for a backlog. Otherwise a trickle of
   * messages would be spread one by one over every worker, and each invocation costs the same
   * whether it carries one message or ten.
   */
  private async work(index: number): Promise<void> {
    const { queue, batchSize } = this.options;
    const signal = this.abort.signal;
    while (!signal.aborted) {
      if (index > 0 && !this.backlog) {
        await new Promise<void>((wake) => this.backlogWaiters.add(wake));
        continue;
      }
      const batch = queue.receive(batchSize);
      this.noteBacklog(batch.length === batchSize);
      if (batch.length === 0) {
        await queue.waitForMessages(IDLE_WAIT_MS, signal);
        continue;
      }
      await this.process(batch);
    }
  }

  private noteBacklog(full: boolean): void {
    this.backlog = full;
    if (full) this.wakeExtraWorkers();
  }

  private wakeExtraWorkers(): void {
    const waiting = [...this.backlogWaiters];
    this.backlogWaiters.clear();
    for (const wake of waiting) wake();
  }

  /** One loop that keeps every slot busy while records are visible; see `recordsAsSlotsFree`. */
  private async dispatch(): Promise<void> {
    const { queue, batchSize, concurrency } = this.options;
    const signal = this.abort.signal;
    const slots = concurrency * batchSize;
    const inFlight = new Set<Promise<void>>();
    while (!signal.aborted) {
      const free = slots - inFlight.size;
      if (free === 0) {
        await Promise.race(inFlight);
        continue;
      }
      const batch = queue.receive(Math.min(free, batchSize));
      if (batch.length === 0) {
        await queue.waitForMessages(IDLE_WAIT_MS, signal);
        continue;
      }
      for (const message of batch) {
        const processing: Promise<void> = this.process([message]).finally(() => inFlight.delete(processing));
        inFlight.add(processing);
      }
    }
    await Promise.all(inFlight);
  }

  private async process(batch: ReceivedMessage[]): Promise<void> {
    const { queue, handler, log } = this.options;
    const ids = batch.map((m) => m.id);
    let response: SQSBatchResponse | void;
    try {
      response = await handler(this.eventOf(batch));
    } catch (error) {
      log.error('handler failed; the whole batch will be retried', { queue: queue.name, messages: ids.length, error: String(error) });
      queue.release(ids);
      return;
    }
    const failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    // Lambda treats a failure naming no record of the batch as a failure of the whole batch.
    if ([...failed].some((id) => !ids.includes(id))) {
      log.error('handler reported an unknown batch item; the whole batch will be retried', { queue: queue.name });
      queue.release(ids);
      return;
    }
    queue.delete(ids.filter((id) => !failed.has(id)));
    queue.release(ids.filter((id) => failed.has(id)));
  }

  private eventOf(batch: ReceivedMessage[]): SQSEvent {
    const { queueArn, region } = this.options;
    return {
      Records: batch.map((message): SQSRecord => ({
        messageId: message.id,
        receiptHandle: message.id,
        body: message.body,
        attributes: {
          ApproximateReceiveCount: String(message.receiveCount),
          SentTimestamp: String(message.sentAt),
          SenderId: 'local',
          ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt),
          ...(message.groupId !== undefined ? { MessageGroupId: message.groupId } : {}),
        },
        messageAttributes: lambdaAttributes(message.attributes),
        md5OfBody: md5OfBody(message.body),
        eventSource: 'aws:sqs',
        eventSourceARN: queueArn,
        awsRegion: region,
      })),
    };
  }
}

/** Lambda spells message attributes in camelCase, with the (unused) list fields present. */
function lambdaAttributes(attributes: MessageAttributes): SQSMessageAttributes {
  const out: SQSMessageAttributes = {};
  for (const [name, a] of Object.entries(attributes)) {
    out[name] = {
      dataType: a.DataType,
      ...(a.StringValue !== undefined ? { stringValue: a.StringValue } : {}),
      ...(a.BinaryValue !== undefined ? { binaryValue: a.BinaryValue } : {}),
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return out;
}
