// What invokes each function. The support functions (resend, subscriptions, deliveries) have no
// trigger: support invokes them from the Lambda console or the CLI.
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FunctionId } from './functions';
import { SQS_BATCH_SIZE } from './queue-settings';

export const SWEEP_INTERVAL = Duration.minutes(5);

export interface TriggersProps {
  functions: Record<FunctionId, lambda.IFunction>;
  queues: { events: sqs.IQueue; deliveries: sqs.IQueue; slowDeliveries: sqs.IQueue };
  senderMaxConcurrency: number;
  ingestMaxConcurrency: number;
  /** The slow lane's sender: its reserved concurrency, which its trigger does not exceed (no throttles). */
  slowSenderConcurrency: number;
}

export class Triggers extends Construct {
  constructor(scope: Construct, id: string, props: TriggersProps) {
    super(scope, id);
    const { ingest, sender, slowSender, sweeper } = props.functions;
    // Partial batch failures: one bad record is retried alone instead of its whole batch.
    ingest.addEventSource(
      new sources.SqsEventSource(props.queues.events, {
        batchSize: SQS_BATCH_SIZE,
        reportBatchItemFailures: true,
        // A CRM burst waits in the queue instead of taking the account's concurrency.
        maxConcurrency: props.ingestMaxConcurrency,
      }),
    );
    sender.addEventSource(
      new sources.SqsEventSource(props.queues.deliveries, {
        batchSize: SQS_BATCH_SIZE,
        reportBatchItemFailures: true,
        // Caps the load put on receivers and on the account's concurrency when a backlog drains.
        maxConcurrency: props.senderMaxConcurrency,
      }),
    );
    slowSender.addEventSource(
      new sources.SqsEventSource(props.queues.slowDeliveries, {
        batchSize: SQS_BATCH_SIZE,
        reportBatchItemFailures: true,
        // As much as its reserved concurrency (at least 2, Lambda's least here): it is never throttled.
        maxConcurrency: props.slowSenderConcurrency,
      }),
    );
    new events.Rule(this, 'Sweep', {
      description: 'Runs the sweeper, which re-enqueues overdue pending deliveries',
      schedule: events.Schedule.rate(SWEEP_INTERVAL),
      targets: [new targets.LambdaFunction(sweeper)],
    });
  }
}
