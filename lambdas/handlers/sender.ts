// SQS trigger on the deliveries queue: one attempt per message, records in parallel. A failed HTTP
// attempt is not a failure here (it is recorded and retried by schedule); only an error thrown by
// storage or scheduling fails the record, so SQS hands it out again.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { sendAttempt, type SendDeps } from '../domain/send-attempt';
import { parseWakeup } from '../domain/wakeup-message';

export function createSenderHandler(deps: SendDeps) {
  const handleRecord = async (record: SQSRecord): Promise<void> => {
    try {
      const wakeup = parseWakeup(record.body);
      await sendAttempt(deps, wakeup, { redelivered: Number(record.attributes?.ApproximateReceiveCount ?? '1') > 1 });
    } catch (error) {
      deps.log.error('wake-up not processed; the queue will retry it', { messageId: record.messageId, error: String(error) });
      throw error;
    }
  };
  // A processor per invocation: it keeps the batch's failures, and the local runtime runs several
  // invocations of one handler at once (Lambda runs one per instance).
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), { context: context as Context, throwOnFullBatchFailure: false });
}
