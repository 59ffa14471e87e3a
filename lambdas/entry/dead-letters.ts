// Lambda entry of the dead-letters function: configuration and the SQS client once per cold start,
// then the handler wrapped by middy (wiring/lambda-handler.ts). It reads and writes queues only: no
// tables, no metrics.
import { SQSClient } from '@aws-sdk/client-sqs';
import { deadLettersFunction } from '../wiring/functions/dead-letters';
import { createLogger, logOf } from '../wiring/log';

const logger = createLogger();
export const handler = deadLettersFunction(process.env, { clients: { sqs: new SQSClient({}) }, log: logOf(logger), logger });
