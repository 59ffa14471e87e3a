import { SqsDeadLetters } from '../../adapters/sqs/sqs-dead-letters';
import { loadConfig } from '../../config';
import { FanoutTargets } from '../../domain/fanout-targets';
import type { IngestDeps } from '../../domain/ingest';
import {
  deliveryRepository,
  fanoutLog,
  required,
  storageKeys,
  subscriptionRepository,
  systemClock,
  type Env,
  type Infrastructure,
} from '../common';
import { createIngestHandler } from '../../handlers/ingest';
import { lambdaHandler } from '../lambda-handler';
import { slowWakeupQueue, wakeupQueue } from '../wakeups';

const ingestKeys = [
  ...storageKeys,
  'DELIVERIES_QUEUE_URL',
  'EVENTS_DLQ_URL',
  'SUBSCRIPTION_CACHE_MS',
  'MAX_EVENT_BYTES',
  'SLOW_DELIVERIES_QUEUE_URL',
] as const;

export function buildIngestDeps(env: Env, infra: Infrastructure): IngestDeps {
  const config = loadConfig(env, ingestKeys);
  const clock = infra.clock ?? systemClock;
  return {
    deliveries: deliveryRepository(config, infra),
    fanoutLog: fanoutLog(config, infra),
    fanoutTargets: new FanoutTargets(subscriptionRepository(config, infra), clock, config.SUBSCRIPTION_CACHE_MS),
    wakeups: wakeupQueue(config, infra),
    slowWakeups: slowWakeupQueue(config, infra),
    deadLetters: infra.deadLetters ?? new SqsDeadLetters({ sqs: required(infra.clients.sqs, 'SQS'), queueUrl: config.EVENTS_DLQ_URL }),
    clock,
    log: infra.log,
    metrics: infra.metrics,
    maxEventBytes: config.MAX_EVENT_BYTES,
  };
}

/** The ingest function's entry point, as Lambda runs it (and the local runtime and the tests). */
export function ingestFunction(env: Env, infra: Infrastructure) {
  return lambdaHandler(createIngestHandler(buildIngestDeps(env, infra)), infra);
}
