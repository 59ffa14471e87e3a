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
        Subject: `crm-webhooks: subscription ${notice.subscriptionId} disabled (${notice.reason})`.slice(0, 100),
        Message: JSON.stringify(notice, null, 2),
      }),
    );
  }
}
