// A dead-letter queue as the dead-letters function walks it. SQS has no lookup by message id, so a
// walk receives the messages (hidden for a minute meanwhile, long polling so that every server is
// asked), acts on each, and makes the ones it keeps visible again at the end.
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { PARKING_ATTRIBUTES, type ParkedDecision, type ParkedMessage, type ParkedQueue } from '../../domain/dead-letters';

/** Long enough for one walk (the function's 60 s timeout); released at once when the walk ends. */
const WALK_VISIBILITY_SECONDS = 90;
const RECEIVE_MAX = 10;

export class SqsParkedQueue implements ParkedQueue {
  private readonly sqs: SQSClient;
  private readonly queueUrl: string;
  private readonly sourceQueueUrl: string;

  constructor({ sqs, queueUrl, sourceQueueUrl }: { sqs: SQSClient; queueUrl: string; sourceQueueUrl: string }) {
    this.sqs = sqs;
    this.queueUrl = queueUrl;
    this.sourceQueueUrl = sourceQueueUrl;
  }

  async approximateDepth(): Promise<number> {
    const { Attributes } = await this.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  }

  async visit(max: number, decide: (message: ParkedMessage) => ParkedDecision, done: () => boolean = () => false): Promise<void> {
    const kept: Message[] = [];
    const seen = new Set<string>();
    let stopped = false;
    try {
      while (!stopped && seen.size < max && !done()) {
        const received = await this.receive(Math.min(RECEIVE_MAX, max - seen.size));
        if (received.length === 0) break;
        for (const message of received) {
          const id = message.MessageId ?? '';
          if (stopped || seen.has(id) || seen.size >= max || done()) {
            kept.push(message);
            continue;
          }
          seen.add(id);
          const decision = decide(parkedOf(message));
          if (decision === 'keep' || decision === 'stop') kept.push(message);
          else await this.carryOut(message, decision);
          stopped = decision === 'stop';
        }
      }
    } finally {
      await this.release(kept);
    }
  }

  private async receive(max: number): Promise<Message[]> {
    const { Messages } = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: max,
        VisibilityTimeout: WALK_VISIBILITY_SECONDS,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount', 'MessageGroupId'],
      }),
    );
    return Messages ?? [];
  }

  /** Sent back before it is deleted here: a failure in between duplicates it, never loses it. */
  private async carryOut(message: Message, decision: 'redrive' | 'delete'): Promise<void> {
    if (decision === 'redrive') {
      const attributes = Object.fromEntries(
        Object.entries(message.MessageAttributes ?? {}).filter(([name]) => !(PARKING_ATTRIBUTES as readonly string[]).includes(name)),
      ) as Record<string, MessageAttributeValue>;
      await this.sqs.send(
        new SendMessageCommand({
          QueueUrl: this.sourceQueueUrl,
          MessageBody: message.Body ?? '',
          ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
          // Back in its group, so that the work queue still serves it fairly by subscription.
          ...(message.Attributes?.MessageGroupId ? { MessageGroupId: message.Attributes.MessageGroupId } : {}),
        }),
      );
    }
    await this.sqs.send(new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: message.ReceiptHandle }));
  }

  private async release(messages: Message[]): Promise<void> {
    for (let start = 0; start < messages.length; start += RECEIVE_MAX) {
      const chunk = messages.slice(start, start + RECEIVE_MAX);
      await this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: chunk.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 })),
        }),
      );
    }
  }
}

function parkedOf(message: Message): ParkedMessage {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (value.StringValue !== undefined) attributes[name] = value.StringValue;
  }
  const sent = Number(message.Attributes?.SentTimestamp);
  return {
    messageId: message.MessageId ?? '',
    body: message.Body ?? '',
    attributes,
    sentAt: Number.isFinite(sent) ? new Date(sent).toISOString() : '',
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
  };
}
