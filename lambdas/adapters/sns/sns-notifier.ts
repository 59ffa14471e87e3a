// Support notifications go to the stack's SNS topic (the same one the alarms use); subscribers pick
// their channel (e-mail, chat). The message is JSON for machines, the subject a line for humans.
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Notifier, SubscriptionNotice } from '../../domain/ports';

export class SnsNotifier implements Notifier {
  constructor(private readonly options: { sns: SNSClient; topicArn: string }) {}

  async notify(notice: SubscriptionNotice): Promise<void> {
    await this.options.sns.send(
      new PublishCommand({
        TopicArn: this.options.topicArn,
        // SNS subjects: at most 100 printable ASCII characters.
        Subject: subjectOf(notice).slice(0, 100),
        Message: JSON.stringify(notice, null, 2),
      }),
    );
  }
}

function subjectOf(notice: SubscriptionNotice): string {
  switch (notice.kind) {
    case 'subscription-disabled':
      return `crm-webhooks: subscription ${notice.subscriptionId} disabled (${notice.reason})`;
    case 'circuit-opened':
      return `crm-webhooks: subscription ${notice.subscriptionId} unreachable, circuit open`;
    case 'circuit-closed':
      return `crm-webhooks: subscription ${notice.subscriptionId} reachable again, circuit closed`;
  }
}
