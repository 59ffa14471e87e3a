import { SqsDeadLetters } from '../../adapters/sqs/sqs-dead-letters';
import { loadConfig } from '../../config';
import { FanoutTargets } from '../../domain/fanout-targets';
import type { IngestDeps } from '../../domain/ingest';
import { deliveryRepository, fanoutLog, required, subscriptionRepository, systemClock, type Env, type Infrastructure } from '../common';
import { slowWakeupQueue, wakeupQueue } from '../wakeups';

export function buildIngestDeps(env: Env, infra: Infrastructure): IngestDeps {
  const config = loadConfig(env, ['EVENTS_DLQ_URL', 'SUBSCRIPTION_CACHE_MS', 'MAX_EVENT_BYTES']);
  const clock = infra.clock ?? systemClock;
  return {
    deliveries: deliveryRepository(env, infra),
    fanoutLog: fanoutLog(env, infra),
    fanoutTargets: new FanoutTargets(subscriptionRepository(env, infra), clock, config.SUBSCRIPTION_CACHE_MS),
    wakeups: wakeupQueue(env, infra),
    slowWakeups: slowWakeupQueue(env, infra),
    deadLetters: infra.deadLetters ?? new SqsDeadLetters({ sqs: required(infra.clients.sqs, 'SQS'), queueUrl: config.EVENTS_DLQ_URL }),
    clock,
    log: infra.log,
    metrics: infra.metrics,
    maxEventBytes: config.MAX_EVENT_BYTES,
  };
}
