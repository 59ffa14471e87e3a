// The CDK app: one stack, CrmWebhooks. With credentials the CLI sets CDK_DEFAULT_ACCOUNT/REGION and
// the stack is bound to them; without, it synthesizes environment-agnostic (offline `cdk synth`).
import { App } from 'aws-cdk-lib';
import { WebhooksStack } from '../lib/webhooks-stack';

const app = new App();
new WebhooksStack(app, 'CrmWebhooks', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
