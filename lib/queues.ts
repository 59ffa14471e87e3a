// The two work queues, each with its own dead-letter queue. The CRM publishes to the events queue;
// ingest, resend and the sweeper feed the deliveries queue, which only ever wakes the sender
// (delivery state lives in DynamoDB).
import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** A message that failed this often is parked in the DLQ instead of blocking the queue. */
export const MAX_RECEIVE_COUNT = 5;

/** AWS's recommendation for an SQS event source: at least six times the consumer's timeout. */
export const VISIBILITY_PER_CONSUMER_TIMEOUT = 6;

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
  readonly deliveriesDlq: sqs.Queue;

  constructor(scope: Construct, id: string, props: QueuesProps) {
    super(scope, id);
    this.eventsDlq = deadLetterQueue(this, 'EventsDlq');
    // Kept as long as the DLQ: events the CRM published must survive an ingest outage of days.
    this.events = workQueue(this, 'Events', this.eventsDlq, props.eventsConsumerTimeout, Duration.days(14));
    this.deliveriesDlq = deadLetterQueue(this, 'DeliveriesDlq');
    this.deliveries = workQueue(this, 'Deliveries', this.deliveriesDlq, props.deliveriesConsumerTimeout);
  }
}

function deadLetterQueue(scope: Construct, id: string): sqs.Queue {
  return new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
}

function workQueue(
  scope: Construct,
  id: string,
  dlq: sqs.IQueue,
  consumerTimeout: Duration,
  retentionPeriod?: Duration,
): sqs.Queue {
  return new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    visibilityTimeout: Duration.seconds(consumerTimeout.toSeconds() * VISIBILITY_PER_CONSUMER_TIMEOUT),
    retentionPeriod,
    deadLetterQueue: { queue: dlq, maxReceiveCount: MAX_RECEIVE_COUNT },
  });
}
