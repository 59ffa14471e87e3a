// DeadLetters over the in-process events DLQ: the rejected body with the same message attributes the
// SQS adapter sets (reason, sourceMessageId, rejectedAt), so a parked event reads the same everywhere.
import type { DeadLetters } from '../lambdas/domain/ports';
import type { LocalQueue, MessageAttribute } from './queue';

export class LocalDeadLetters implements DeadLetters {
  constructor(
    private readonly queue: Pick<LocalQueue, 'send'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async reject(body: string, reason: string, sourceMessageId: string): Promise<void> {
    this.queue.send(body, {
      attributes: {
        reason: text(reason),
        sourceMessageId: text(sourceMessageId),
        rejectedAt: text(this.now().toISOString()),
      },
    });
  }
}

function text(value: string): MessageAttribute {
  return { DataType: 'String', StringValue: value };
}
