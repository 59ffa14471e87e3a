// How the queues and their triggers behave, as plain numbers: the stack builds its queues and event
// source mappings from these, and the local runtime behaves by them. No CDK import, so local/ can
// use them without loading aws-cdk-lib.

/** A message that failed this often is parked in the DLQ instead of blocking the queue. */
export const MAX_RECEIVE_COUNT = 5;

/** Records per invocation of an SQS-triggered function (ingest, sender). */
export const SQS_BATCH_SIZE = 10;
