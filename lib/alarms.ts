// A message in a dead-letter queue means something needs a person: an invalid CRM event, or a
// delivery message that kept failing. One alarm per DLQ, notifying the support topic.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface AlarmsProps {
  deadLetterQueues: Record<string, sqs.IQueue>;
  /** Where alarms notify support. */
  topic: sns.ITopic;
}

export class Alarms extends Construct {
  readonly byQueue: Record<string, cloudwatch.Alarm> = {};

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      this.byQueue[name] = new cloudwatch.Alarm(this, name, {
        alarmDescription: `Messages are waiting in the ${name} dead-letter queue`,
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      this.byQueue[name].addAlarmAction(new actions.SnsAction(props.topic));
    }
    // A topic with a policy of its own (enforceSSL gives it one) loses SNS's default policy, the one
    // that let the account's alarms publish; CloudWatch publishes as its service principal, so without
    // this statement every alarm notification is refused. Only these alarms may publish.
    props.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [props.topic.topicArn],
        conditions: { ArnEquals: { 'aws:SourceArn': Object.values(this.byQueue).map((alarm) => alarm.alarmArn) } },
      }),
    );
  }
}
