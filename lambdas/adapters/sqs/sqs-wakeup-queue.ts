import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { WakeupQueue } from '../../domain/ports';
import type { DeliveryWakeup } from '../../domain/types';
import { WAKE_AT_ATTRIBUTE } from '../../domain/queue-lag';
import { formatWakeup, messageGroupOf, SQS_MESSAGE_MAX_BYTES } from '../../domain/wakeup-message';
import { MAX_QUEUE_DELAY_MS } from '../../domain/wakeup-plan';

/** SQS's limits: entries per SendMessageBatch, the longest DelaySeconds; a batch's bodies together are one message's limit. */
const BATCH_SIZE = 10;
const BATCH_MAX_BYTES = SQS_MESSAGE_MAX_BYTES;
/** A message's body may take SQS's limit but for room for its attributes (the due time of a delayed one). */
const BODY_MAX_BYTES = SQS_MESSAGE_MAX_BYTES - 1024;
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
    for (const batch of batchesOf(wakeups)) {
      try {
        // Ids only need to be unique within one call; the index maps a failure back to its wakeup.
        const result = await this.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: batch.map(({ wakeup, body }, index) => ({ Id: String(index), MessageBody: body, ...groupOf(wakeup) })),
          }),
        );
        anySent = true;
        for (const entry of result?.Failed ?? []) {
          const sent = batch[Number(entry.Id)];
          if (sent) failed.push(sent.wakeup);
        }
      } catch (error) {
        firstError ??= error;
        failed.push(...batch.map((sent) => sent.wakeup));
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
        MessageBody: formatWakeup(wakeup, BODY_MAX_BYTES),
        DelaySeconds: delaySeconds,
        ...groupOf(wakeup),
        // When it is due, for the sender's report of how late wake-ups are taken (queue-lag.ts).
        MessageAttributes: { [WAKE_AT_ATTRIBUTE]: { DataType: 'Number', StringValue: String(Date.now() + delaySeconds * 1000) } },
      }),
    );
  }
}

/** The subscription as the message group: SQS then serves the queue fairly by subscription (messageGroupOf). */
function groupOf(wakeup: DeliveryWakeup): { MessageGroupId?: string } {
  const group = messageGroupOf(wakeup);
  return group !== undefined ? { MessageGroupId: group } : {};
}

interface Formatted {
  wakeup: DeliveryWakeup;
  body: string;
}

/** Batches of at most 10 messages whose bodies add up to at most 256 KiB (SQS's limit on one SendMessageBatch). */
function batchesOf(wakeups: DeliveryWakeup[]): Formatted[][] {
  const batches: Formatted[][] = [];
  let batch: Formatted[] = [];
  let bytes = 0;
  for (const wakeup of wakeups) {
    const body = formatWakeup(wakeup, BODY_MAX_BYTES);
    const size = Buffer.byteLength(body, 'utf8');
    if (batch.length === BATCH_SIZE || (batch.length > 0 && bytes + size > BATCH_MAX_BYTES)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push({ wakeup, body });
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
