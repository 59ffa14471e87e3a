import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetters } from '../../domain/ports';

/** SQS refuses empty message bodies and empty attribute values; these stand in for them. */
const EMPTY_BODY = '(empty message)';
const EMPTY_VALUE = '(none)';
const MAX_REASON_LENGTH = 1024;

export class SqsDeadLetters implements DeadLetters {
  private readonly sqs: SQSClient;
  private readonly queueUrl: string;
  private readonly now: () => Date;

  constructor({ sqs, queueUrl, now = () => new Date() }: { sqs: SQSClient; queueUrl: string; now?: () => Date }) {
    this.sqs = sqs;
    this.queueUrl = queueUrl;
    this.now = now;
  }

  async reject(body: string, reason: string, sourceMessageId: string): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: body === '' ? EMPTY_BODY : body,
        MessageAttributes: {
          reason: stringAttribute(truncate(reason, MAX_REASON_LENGTH)),
          sourceMessageId: stringAttribute(sourceMessageId),
          rejectedAt: stringAttribute(this.now().toISOString()),
        },
      }),
    );
  }
}

function stringAttribute(value: string): { DataType: 'String'; StringValue: string } {
  return { DataType: 'String', StringValue: value === '' ? EMPTY_VALUE : value };
}

/** Cuts to `max` UTF-16 units without leaving half a surrogate pair, which SQS would reject. */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}
