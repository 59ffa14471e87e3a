// The crm-webhooks service: queues, tables, the seven functions, their triggers and permissions, the
// alarms and the dashboard. Each part is built in its own file here; docs/architecture.md describes the
// architecture.
import { Annotations, CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { allowlistWarnings, parseAllowlist } from '../lambdas/adapters/http/target-guard';
import { Alarms } from './alarms';
import { OperationsDashboard } from './dashboard';
import { functionEnvironment } from './environment';
import { Functions, functionSpecs } from './functions';
import { acknowledgeNagFindings } from './nag-suppressions';
import { Notifications } from './notifications';
import { grantFunctionPermissions } from './permissions';
import { Queues } from './queues';
import { RetryScheduler } from './scheduler';
import { SecretsKey } from './secrets-key';
import { readStackConfig, type StackConfig } from './stack-config';
import { Tables } from './tables';
import { Triggers } from './triggers';

export class WebhooksStack extends Stack {
  readonly config: StackConfig;
  readonly queues: Queues;
  readonly tables: Tables;
  readonly secretsKey: SecretsKey;
  readonly scheduler: RetryScheduler;
  readonly functions: Functions;
  readonly notifications: Notifications;
  readonly alarms: Alarms;
  readonly dashboard: OperationsDashboard;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.config = readStackConfig(this.node);
    for (const warning of allowlistWarnings(parseAllowlist(this.config.targetAllowlist))) {
      Annotations.of(this).addWarningV2('crm-webhooks:targetAllowlist', warning);
    }

    this.queues = new Queues(this, 'Queues', {
      eventsConsumerTimeout: functionSpecs.ingest.timeout,
      deliveriesConsumerTimeout: functionSpecs.sender.timeout,
    });
    this.notifications = new Notifications(this, 'Notifications');
    this.tables = new Tables(this, 'Tables');
    this.secretsKey = new SecretsKey(this, 'SecretsKey');
    this.scheduler = new RetryScheduler(this, 'RetryScheduler', { deliveriesQueue: this.queues.deliveries });
    this.functions = this.wireFunctions();

    this.alarms = new Alarms(this, 'Alarms', {
      queues: this.queues,
      functions: this.functions.byId,
      thresholds: this.config,
      topic: this.notifications.topic,
    });
    this.dashboard = new OperationsDashboard(this, 'Dashboard', {
      functions: this.functions.byId,
      queues: this.queues,
      alarms: this.alarms.all,
      thresholds: this.config,
    });
    acknowledgeNagFindings(this);
    addOutputs(this);
  }

  /** The functions with their environment, their permissions and their triggers. */
  private wireFunctions(): Functions {
    const environment = functionEnvironment({
      config: this.config,
      tables: this.tables.byId,
      queues: this.queues,
      scheduler: this.scheduler,
      notifications: this.notifications.topic,
      secretsKey: this.secretsKey.key,
    });
    const functions = new Functions(this, 'Functions', {
      environment,
      reservedConcurrency: { slowSender: this.config.slowSenderConcurrency },
    });
    grantFunctionPermissions(functions.byId, {
      tables: this.tables.byId,
      queues: this.queues,
      scheduler: this.scheduler,
      notifications: this.notifications,
      secretsKey: this.secretsKey.key,
    });
    new Triggers(this, 'Triggers', {
      functions: functions.byId,
      queues: this.queues,
      senderMaxConcurrency: this.config.senderMaxConcurrency,
      ingestMaxConcurrency: this.config.ingestMaxConcurrency,
      slowSenderConcurrency: this.config.slowSenderConcurrency,
    });
    return functions;
  }
}

/** What the CRM, support and on-call need to know about a deployment. */
function addOutputs(stack: WebhooksStack): void {
  const { queues, functions, notifications, scheduler, dashboard } = stack;
  const output = (name: string, value: string, description: string) => new CfnOutput(stack, name, { value, description });
  output('EventsQueueUrl', queues.events.queueUrl, 'The CRM publishes events here (SQS SendMessage)');
  output('EventsQueueArn', queues.events.queueArn, 'Grant the CRM sqs:SendMessage on this queue');
  output('EventsDlqUrl', queues.eventsDlq.queueUrl, 'Invalid or undeliverable events, with the reason');
  output('DeliveriesQueueUrl', queues.deliveries.queueUrl, 'Wakes the sender; DynamoDB holds the state');
  output('DeliveriesDlqUrl', queues.deliveriesDlq.queueUrl, 'Wake-ups the sender failed on five times (the deliveries stay in DynamoDB)');
  output('SlowDeliveriesQueueUrl', queues.slowDeliveries.queueUrl, 'The slow lane: wakes the slow sender for degraded subscriptions');
  output('ResendFunctionName', functions.byId.resend.functionName, 'Invoke with a resend payload');
  output('SubscriptionsFunctionName', functions.byId.subscriptions.functionName, 'Invoke with a subscriptions payload');
  output('DeliveriesFunctionName', functions.byId.deliveries.functionName, 'Invoke with a deliveries query (list, show)');
  output(
    'DeadLettersFunctionName',
    functions.byId['dead-letters'].functionName,
    'Invoke with a dead-letters request (list, show, redrive, purge)',
  );
  output('NotificationsTopicArn', notifications.topic.topicArn, 'Subscribe support here: disabled subscriptions and alarms');
  output('ScheduleGroupName', scheduler.group.scheduleGroupName, 'One-time schedules of long retry waits');
  const dashboardName = dashboard.dashboard.dashboardName;
  output('DashboardName', dashboardName, 'The operations dashboard: alarms, service metrics, queues, functions');
  output(
    'DashboardUrl',
    Fn.join('', [`https://console.aws.amazon.com/cloudwatch/home?region=${stack.region}#dashboards/dashboard/`, dashboardName]),
    'The operations dashboard in the CloudWatch console',
  );
}
