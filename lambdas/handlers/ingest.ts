// SQS trigger on the events queue. Messages that must be tried again are reported as batch item
// failures; invalid events are parked in the events DLQ by the domain and acknowledged.
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ingestMessages, type IngestDeps } from '../domain/ingest';

export function createIngestHandler(deps: IngestDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const result = await ingestMessages(
      deps,
      event.Records.map((record) => ({ messageId: record.messageId, body: record.body })),
    );
    return { batchItemFailures: result.failedMessageIds.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
