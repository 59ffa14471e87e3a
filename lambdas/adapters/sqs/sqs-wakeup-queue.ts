import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { chunk } from '../../domain/chunk';
import type { WakeupQueue } from '../../domain/ports';
import type { DeliveryWakeup } from '../../domain/types';
import { WAKE_AT_ATTRIBUTE } from '../../domain/queue-lag';
import { formatWakeup } from '../../domain/wakeup-message';
import { MAX_QUEUE_DELAY_MS } from '../../domain/wakeup-plan';

/** SQS's limits: entries per SendMessageBatch and the longest DelaySeconds. */
const BATCH_SIZE = 10;
const MAX_DELAY_SECONDS = MAX_QUEUE_DELAY_MS / 1000;

export class SqsWakeupQueue implements WakeupQueue {
  private readonly sqs: SQSClient;
  private readonly queueUrl: string;

  constructor({ sqs, queueUrl }: { sqs: SQSClient; queueUrl: string }) {
    this.sqs = sqs;
    this.queueUrl = queueUrl;
  }

  /**
   * Entries SQS refused, and every entry of a call that failed, come back so the caller can act on
   * each. Only when no call succeeded at all does the error itself propagate.
   */
  async sendNow(wakeups: DeliveryWakeup[]): Promise<DeliveryWakeup[]> {
    const failed: DeliveryWakeup[] = [];
    let firstError: unknown;
    let anySent = false;
    for (const batch of chunk(wakeups, BATCH_SIZE)) {
      try {
        // Ids only need to be unique within one call; the index maps a failure back to its wakeup.
        const result = await this.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: batch.map((wakeup, index) => ({ Id: String(index), MessageBody: formatWakeup(wakeup) })),
          }),
        );
        anySent = true;
        for (const entry of result?.Failed ?? []) {
          const wakeup = batch[Number(entry.Id)];
          if (wakeup) failed.push(wakeup);
        }
      } catch (error) {
        firstError ??= error;
        failed.push(...batch);
      }
    }
    // No call succeeded although there was something to send: every call threw.
    if (!anySent && wakeups.length > 0) throw firstError;
    return failed;
  }

  /** SQS delays in whole seconds: rounded up, so the wake-up never comes before the attempt is due. */
  async sendDelayed(wakeup: DeliveryWakeup, delayMs: number): Promise<void> {
    const delaySeconds = Math.ceil(delayMs / 1000);
    if (!Number.isFinite(delayMs) || delayMs < 0 || delaySeconds > MAX_DELAY_SECONDS) {
      throw new RangeError(`delay must be from 0 to ${MAX_DELAY_SECONDS} s, got ${delayMs} ms`);
    }
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: formatWakeup(wakeup),
        DelaySeconds: delaySeconds,
        // When it is due, for the sender's report of how late wake-ups are taken (queue-lag.ts).
        MessageAttributes: { [WAKE_AT_ATTRIBUTE]: { DataType: 'Number', StringValue: String(Date.now() + delaySeconds * 1000) } },
      }),
    );
  }
}
