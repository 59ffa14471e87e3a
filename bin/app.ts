// The CDK app: one stack, CrmWebhooks. With credentials the CLI sets CDK_DEFAULT_ACCOUNT/REGION and
// the stack is bound to them; without, it synthesizes environment-agnostic (offline `cdk synth`).
import { App } from 'aws-cdk-lib';
import { StackConfigError } from '../lib/stack-config';
import { WebhooksStack } from '../lib/webhooks-stack';

const app = new App();
try {
  new WebhooksStack(app, 'CrmWebhooks', {
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
} catch (error) {
  // A bad context value is the user's to fix: its one-line message, not a stack trace around it.
  if (!(error instanceof StackConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
