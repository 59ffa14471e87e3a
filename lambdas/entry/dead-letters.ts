// Lambda entry of the dead-letters function: configuration and the SQS client once per cold start,
// then the handler. It reads and writes queues only: no tables, no metrics.
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDeadLettersHandler } from '../handlers/dead-letters';
import { buildDeadLetterDeps } from '../wiring/functions/dead-letters';
import { createLogger, logOf } from '../wiring/log';

const log = logOf(createLogger());
export const handler = createDeadLettersHandler(buildDeadLetterDeps(process.env, { clients: { sqs: new SQSClient({}) }, log }));
