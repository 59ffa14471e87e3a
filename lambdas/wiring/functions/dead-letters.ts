// The dead-letters function: both dead-letter queues, each with the work queue it redrives to. It
// needs SQS only (no tables), so it takes less than the others' Infrastructure.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SqsParkedQueue } from '../../adapters/sqs/sqs-parked-queue';
import { loadConfig } from '../../config';
import type { DeadLetterDeps, DeadLetterQueueName, ParkedQueue } from '../../domain/dead-letters';
import type { Log } from '../../domain/log';
import { createDeadLettersHandler } from '../../handlers/dead-letters';
import { required, type Env } from '../common';
import { lambdaHandler } from '../lambda-handler';

export interface DeadLetterInfrastructure {
  clients: { sqs?: SQSClient };
  log: Log;
  /** The Powertools logger behind `log`, where there is one (see Infrastructure). */
  logger?: Logger;
  /** Replacements for the SQS adapters (the local runtime's queues are in process). */
  parkedQueues?: Record<DeadLetterQueueName, ParkedQueue>;
}

export function buildDeadLetterDeps(env: Env, infra: DeadLetterInfrastructure): DeadLetterDeps & { log: Log } {
  if (infra.parkedQueues) return { queues: infra.parkedQueues, log: infra.log };
  const config = loadConfig(env, ['EVENTS_QUEUE_URL', 'EVENTS_DLQ_URL', 'DELIVERIES_QUEUE_URL', 'DELIVERIES_DLQ_URL']);
  const sqs = required(infra.clients.sqs, 'SQS');
  return {
    queues: {
      events: new SqsParkedQueue({ sqs, queueUrl: config.EVENTS_DLQ_URL, sourceQueueUrl: config.EVENTS_QUEUE_URL }),
      deliveries: new SqsParkedQueue({ sqs, queueUrl: config.DELIVERIES_DLQ_URL, sourceQueueUrl: config.DELIVERIES_QUEUE_URL }),
    },
    log: infra.log,
  };
}

/** The dead-letters function's entry point, as Lambda runs it (and the local runtime and the tests). */
export function deadLettersFunction(env: Env, infra: DeadLetterInfrastructure) {
  return lambdaHandler(createDeadLettersHandler(buildDeadLetterDeps(env, infra)), infra, { callerErrorsOf: 'dead-letters' });
}
