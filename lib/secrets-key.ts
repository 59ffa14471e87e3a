// The customer-managed key under which the subscriptions' secrets are encrypted (envelope encryption
// in the functions: lambdas/adapters/crypto). Reading a secret takes kms:Decrypt on this key, which
// only the subscriptions and sender functions have, and CloudTrail records every use. Its yearly
// rotation keeps old key material, so items sealed before a rotation still open.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export class SecretsKey extends Construct {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: "Encrypts the crm-webhooks subscriptions' secrets (URL secrets, Basic auth, static header values, signing secrets)",
      enableKeyRotation: true,
      // The subscriptions table outlives the stack; without this key its secrets could never be read again.
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });
  }
}
