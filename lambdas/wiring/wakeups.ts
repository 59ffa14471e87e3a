import { SqsWakeupQueue } from '../adapters/sqs/sqs-wakeup-queue';
import { loadConfig } from '../config';
import type { WakeupQueue } from '../domain/ports';
import { required, type Env, type Infrastructure } from './common';

/** The deliveries queue as the domain's wake-up queue, unless the infrastructure brings its own. */
export function wakeupQueue(env: Env, infra: Infrastructure): WakeupQueue {
  if (infra.wakeups) return infra.wakeups;
  const { DELIVERIES_QUEUE_URL } = loadConfig(env, ['DELIVERIES_QUEUE_URL']);
  return new SqsWakeupQueue({ sqs: required(infra.clients.sqs, 'SQS'), queueUrl: DELIVERIES_QUEUE_URL });
}

/** The slow lane's queue (lanes.ts), unless the infrastructure brings its own; none when not configured. */
export function slowWakeupQueue(env: Env, infra: Infrastructure): WakeupQueue | undefined {
  if (infra.slowWakeups) return infra.slowWakeups;
  const { SLOW_DELIVERIES_QUEUE_URL } = loadConfig(env, ['SLOW_DELIVERIES_QUEUE_URL']);
  if (SLOW_DELIVERIES_QUEUE_URL === undefined) return undefined;
  return new SqsWakeupQueue({ sqs: required(infra.clients.sqs, 'SQS'), queueUrl: SLOW_DELIVERIES_QUEUE_URL });
}
