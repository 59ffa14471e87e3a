// The topic support subscribes to (e-mail, chat): notices of subscriptions the service disabled by
// itself (410 Gone, failing for days) and the alarms.
//
// Encrypted at rest with a customer managed key of its own. The AWS-managed SNS key would not do:
// its policy cannot be changed, and CloudWatch may not use it, so every alarm notification would be
// refused. This key's policy lets CloudWatch encrypt alarm notifications with it; the sender gets the
// same two actions through its role (lib/permissions.ts). Which alarms may publish at all is decided
// by the topic policy (lib/alarms.ts).
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export const CLOUDWATCH_SERVICE = 'cloudwatch.amazonaws.com';

/**
 * What a publisher needs on the key of an encrypted topic, as the SNS documentation lists it (and
 * CDK's Topic.grantPublish grants): SNS makes and reuses data keys under the publisher's identity.
 */
export const PUBLISH_KEY_ACTIONS = ['kms:GenerateDataKey*', 'kms:Decrypt'];

export class Notifications extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts the crm-webhooks notifications topic (alarms, disabled subscriptions)',
      enableKeyRotation: true,
      // Nothing stays encrypted under this key once the topic is gone (SNS keeps no messages), so it
      // goes with the stack instead of costing a key per deployment forever; deletion waits 30 days.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(30),
    });
    // Exactly the statement AWS documents for alarms publishing to an encrypted topic: a narrower
    // one that turned out too narrow would drop every alarm notification without any error but a
    // line in the alarm's history. No source condition either: this key encrypts this topic only, and
    // whether an alarm may publish to the topic at all is the topic policy's decision, which names
    // each alarm of this stack.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToEncryptNotifications',
        principals: [new iam.ServicePrincipal(CLOUDWATCH_SERVICE)],
        actions: PUBLISH_KEY_ACTIONS,
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'crm-webhooks notifications',
      enforceSSL: true,
      masterKey: this.key,
    });
  }
}
