// The two work queues, each with its own dead-letter queue. The CRM publishes to the events queue;
// ingest, resend and the sweeper feed the deliveries queue, which only ever wakes the sender
// (delivery state lives in DynamoDB).
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MAX_QUEUE_DELAY_MS } from '../lambdas/domain/wakeup-plan';
import { MAX_RECEIVE_COUNT } from './queue-settings';

/** AWS's recommendation for an SQS event source: at least six times the consumer's timeout. */
export const VISIBILITY_PER_CONSUMER_TIMEOUT = 6;

/** The longest DelaySeconds SQS accepts: a retry wait up to this is a delayed message, a longer one a schedule. */
export const SQS_MAX_DELAY = Duration.millis(MAX_QUEUE_DELAY_MS);

export interface QueuesProps {
  /** Timeout of the function consuming the events queue (ingest). */
  eventsConsumerTimeout: Duration;
  /** Timeout of the function consuming the deliveries queue (sender). */
  deliveriesConsumerTimeout: Duration;
}

export class Queues extends Construct {
  readonly events: sqs.Queue;
  readonly eventsDlq: sqs.Queue;
  readonly deliveries: sqs.Queue;
  /** The slow lane's wake-ups (lambdas/domain/lanes.ts); its failures share the deliveries DLQ. */
  readonly slowDeliveries: sqs.Queue;
  readonly deliveriesDlq: sqs.Queue;

  constructor(scope: Construct, id: string, props: QueuesProps) {
    super(scope, id);
    // The events queue and its DLQ hold what the CRM published and the service has not stored yet
    // (or could not accept): stored nowhere else, so deleting the stack leaves them, like the tables.
    this.eventsDlq = deadLetterQueue(this, 'EventsDlq', RemovalPolicy.RETAIN);
    // Kept as long as the DLQ: events the CRM published must survive an ingest outage of days.
    this.events = workQueue(this, 'Events', this.eventsDlq, props.eventsConsumerTimeout, RemovalPolicy.RETAIN, Duration.days(14));
    // Deliveries messages only wake the sender; the delivery state is in the retained tables, from
    // which a redeployed stack's sweeper or a resend recovers every pending delivery.
    this.deliveriesDlq = deadLetterQueue(this, 'DeliveriesDlq', RemovalPolicy.DESTROY);
    this.deliveries = workQueue(this, 'Deliveries', this.deliveriesDlq, props.deliveriesConsumerTimeout, RemovalPolicy.DESTROY);
    this.slowDeliveries = workQueue(this, 'SlowDeliveries', this.deliveriesDlq, props.deliveriesConsumerTimeout, RemovalPolicy.DESTROY);
  }
}

function deadLetterQueue(scope: Construct, id: string, removalPolicy: RemovalPolicy): sqs.Queue {
  return new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    removalPolicy,
  });
}

function workQueue(
  scope: Construct,
  id: string,
  dlq: sqs.IQueue,
  consumerTimeout: Duration,
  removalPolicy: RemovalPolicy,
  retentionPeriod?: Duration,
): sqs.Queue {
  return new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    visibilityTimeout: Duration.seconds(consumerTimeout.toSeconds() * VISIBILITY_PER_CONSUMER_TIMEOUT),
    retentionPeriod,
    deadLetterQueue: { queue: dlq, maxReceiveCount: MAX_RECEIVE_COUNT },
    removalPolicy,
  });
}
