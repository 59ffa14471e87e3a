// A local dead-letter queue as the dead-letters function walks it: the in-process queue's messages,
// with redrive sending a message back to its work queue (without the parking attributes, with its
// message group) before it is deleted here, as the SQS adapter does.
import { PARKING_ATTRIBUTES, type ParkedDecision, type ParkedMessage, type ParkedQueue } from '../lambdas/domain/dead-letters';
import type { LocalQueue, MessageAttributes } from './queue';

export class LocalParkedQueue implements ParkedQueue {
  constructor(
    private readonly queue: Pick<LocalQueue, 'parked' | 'delete'>,
    private readonly source: Pick<LocalQueue, 'send'>,
  ) {}

  async approximateDepth(): Promise<number> {
    return this.queue.parked().length;
  }

  async visit(max: number, decide: (message: ParkedMessage) => ParkedDecision, done: () => boolean = () => false): Promise<void> {
    let seen = 0;
    for (const message of this.queue.parked()) {
      if (seen >= max || done()) return;
      seen += 1;
      const attributes: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.attributes))
        if (value.StringValue !== undefined) attributes[name] = value.StringValue;
      const decision = decide({
        messageId: message.id,
        body: message.body,
        attributes,
        sentAt: new Date(message.sentAt).toISOString(),
        receiveCount: message.receiveCount,
      });
      if (decision === 'redrive')
        this.source.send(message.body, { attributes: withoutParking(message.attributes), groupId: message.groupId });
      if (decision === 'redrive' || decision === 'delete') this.queue.delete([message.id]);
      if (decision === 'stop') return;
    }
  }
}

function withoutParking(attributes: MessageAttributes): MessageAttributes {
  return Object.fromEntries(Object.entries(attributes).filter(([name]) => !(PARKING_ATTRIBUTES as readonly string[]).includes(name)));
}
