// The topic support subscribes to (e-mail, chat): notices of subscriptions the service disabled by
// itself (410 Gone, failing for days) and the alarms.
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export class Notifications extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'crm-webhooks notifications', enforceSSL: true });
  }
}
