// The cdk-nag (AwsSolutions) findings this stack keeps on purpose, each acknowledged on the one
// construct it concerns with the reason it stays. What else nag would report is fixed in the stack
// instead: the support topic has a customer managed key with rotation and refuses publishing without
// TLS (SNS2, SNS3, KMS5), every function has its own role that writes only its own log group (IAM4),
// the tables have point-in-time recovery (DDB3), the queues are encrypted, TLS-only and redrive to
// DLQs (SQS2-4), the runtime is the latest Node.js (L1). test/stack/nag.test.ts checks that nothing
// else is reported and that each acknowledgement carries a reason.
//
// cdk-nag 3 reads acknowledgements recorded with CDK's own Validations API (no cdk-nag import here:
// the stack does not depend on the checker). A finding about one resource or action of a statement
// is acknowledged by its id: `AwsSolutions-IAM5[Resource::<the resource as nag renders it>]`,
// `AwsSolutions-IAM5[Action::<the action>]`.
import { Stack, Token, Validations } from 'aws-cdk-lib';
import type { WebhooksStack } from './webhooks-stack';

export function acknowledgeNagFindings(stack: WebhooksStack): void {
  // Both lanes' senders run the same code with the same rights (lib/permissions.ts).
  for (const id of ['sender', 'slowSender'] as const) acknowledgeSenderFindings(stack, id);
}

function acknowledgeSenderFindings(stack: WebhooksStack, id: 'sender' | 'slowSender'): void {
  const senderRole = stack.functions.byId[id].role;
  if (senderRole === undefined) throw new Error(`the ${id} function has no role to acknowledge findings on`);
  Validations.of(senderRole).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${renderAsNag(stack, stack.scheduler.schedulesArn)}]`,
    reason:
      'The sender creates one-time retry schedules whose names it derives from each delivery at run time, so ' +
      'scheduler:CreateSchedule cannot name them in advance. The wildcard is confined to the schedule group of ' +
      'this stack (schedule/<group>/*), and the schedules it creates can only pass the scheduler role, which may ' +
      'only send to the deliveries queue.',
  });
  Validations.of(senderRole).acknowledge({
    id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
    reason:
      'Publishing to the encrypted notifications topic needs the data-key actions SNS documents for publishers ' +
      "(and CDK's Topic.grantPublish grants); the wildcard only spans the GenerateDataKey variants, and it is " +
      'allowed on the key of that topic alone, which encrypts nothing else.',
  });
}

/**
 * A value as cdk-nag writes it in a finding id: the resolved template value with `{ Ref: X }` shown
 * as `<X>` and joins concatenated (e.g. `arn:<AWS::Partition>:scheduler:<AWS::Region>:...`).
 */
function renderAsNag(stack: Stack, value: string): string {
  const render = (node: unknown): string => {
    if (typeof node === 'string') return node;
    if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (typeof o.Ref === 'string') return `<${o.Ref}>`;
      if (Array.isArray(o['Fn::Join'])) {
        const [separator, parts] = o['Fn::Join'] as [string, unknown[]];
        return parts.map(render).join(separator);
      }
    }
    throw new Error(`cannot render ${JSON.stringify(node)} as cdk-nag does`);
  };
  return Token.isUnresolved(value) ? render(stack.resolve(value)) : value;
}
