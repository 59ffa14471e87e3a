// SQS trigger on the deliveries queue: one attempt per message, records in parallel. A failed HTTP
// attempt is not a failure here (it is recorded and retried by schedule); only an error thrown by
// storage or scheduling fails the record, so SQS hands it out again (partial batch response).
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { latenessOf, WAKE_AT_ATTRIBUTE, type LagReporter } from '../domain/queue-lag';
import { sendAttempt, type SendDeps } from '../domain/send-attempt';
import { parseWakeup } from '../domain/wakeup-message';

export interface SenderHandlerDeps extends SendDeps {
  /** Reports how late wake-ups are taken off the queue (on SQS; the local runtime's sweeper looks into its queue). */
  queueLag?: Pick<LagReporter, 'observe' | 'flush'>;
}

export function createSenderHandler(deps: SenderHandlerDeps) {
  const observeLateness = (record: SQSRecord): void => {
    const lateness = latenessOf(record.attributes ?? {}, record.messageAttributes?.[WAKE_AT_ATTRIBUTE]?.stringValue);
    if (lateness !== undefined) deps.queueLag?.observe(lateness);
  };
  const handleRecord = async (record: SQSRecord): Promise<void> => {
    observeLateness(record);
    try {
      const wakeup = parseWakeup(record.body);
      await sendAttempt(deps, wakeup, { redelivered: Number(record.attributes?.ApproximateReceiveCount ?? '1') > 1 });
    } catch (error) {
      deps.log.error('wake-up not processed; the queue will retry it', { messageId: record.messageId, error: String(error) });
      throw error;
    }
  };
  // Plain Promise.allSettled rather than a batch-processor object: nothing is shared between
  // invocations (the local runtime runs several of one handler at once), and nothing is allocated
  // per record beyond the promise itself.
  return async (event: SQSEvent, _context?: Context): Promise<SQSBatchResponse> => {
    const records = event.Records;
    // One version check per batch: a subscription changed before this batch began applies to it.
    await deps.subscriptions.refresh();
    const settled = await Promise.allSettled(records.map(handleRecord));
    await deps.queueLag?.flush();
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    settled.forEach((outcome, i) => {
      if (outcome.status === 'rejected') batchItemFailures.push({ itemIdentifier: records[i].messageId });
    });
    return { batchItemFailures };
  };
}
