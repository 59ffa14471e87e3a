import { SqsWakeupQueue } from '../adapters/sqs/sqs-wakeup-queue';
import type { Config } from '../config';
import type { WakeupQueue } from '../domain/ports';
import { required, type Infrastructure } from './common';

/** The deliveries queue as the domain's wake-up queue, unless the infrastructure brings its own. */
export function wakeupQueue(config: Config<'DELIVERIES_QUEUE_URL'>, infra: Infrastructure): WakeupQueue {
  if (infra.wakeups) return infra.wakeups;
  return new SqsWakeupQueue({ sqs: required(infra.clients.sqs, 'SQS'), queueUrl: config.DELIVERIES_QUEUE_URL });
}

/** The slow lane's queue (lanes.ts), unless the infrastructure brings its own; none when not configured. */
export function slowWakeupQueue(config: Config<'SLOW_DELIVERIES_QUEUE_URL'>, infra: Infrastructure): WakeupQueue | undefined {
  if (infra.slowWakeups) return infra.slowWakeups;
  if (config.SLOW_DELIVERIES_QUEUE_URL === undefined) return undefined;
  return new SqsWakeupQueue({ sqs: required(infra.clients.sqs, 'SQS'), queueUrl: config.SLOW_DELIVERIES_QUEUE_URL });
}
