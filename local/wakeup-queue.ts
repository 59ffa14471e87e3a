// WakeupQueue over the in-process deliveries queue. Unlike SQS (whole seconds, at most 900 s), the
// local queue delays to the millisecond, so a retry is woken exactly when it is due. Each wake-up
// carries its subscription as its message group, as on SQS, so the queue serves subscriptions fairly.
import type { QueuedWakeups, WakeupQueue } from '../lambdas/domain/ports';
import type { Delivery, DeliveryWakeup } from '../lambdas/domain/types';
import { formatWakeup, messageGroupOf, parseWakeup } from '../lambdas/domain/wakeup-message';
import type { LocalQueue } from './queue';

export class LocalWakeupQueue implements WakeupQueue, QueuedWakeups {
  constructor(private readonly queue: Pick<LocalQueue, 'send' | 'messages'>) {}

  /** Every message held counts: waiting, delayed, or being handled by the sender right now. */
  async stillQueued(deliveries: Array<Pick<Delivery, 'deliveryId'>>): Promise<Set<string>> {
    const wanted = new Set(deliveries.map((d) => d.deliveryId));
    const queued = new Set<string>();
    for (const message of this.queue.messages()) {
      const deliveryId = deliveryIdOf(message.body);
      if (deliveryId !== undefined && wanted.has(deliveryId)) queued.add(deliveryId);
    }
    return queued;
  }

  async sendNow(wakeups: DeliveryWakeup[]): Promise<DeliveryWakeup[]> {
    const failed: DeliveryWakeup[] = [];
    for (const wakeup of wakeups) {
      try {
        this.queue.send(formatWakeup(wakeup), { groupId: messageGroupOf(wakeup) });
      } catch {
        // Reported back one by one, as SQS reports refused batch entries; the caller decides.
        failed.push(wakeup);
      }
    }
    return failed;
  }

  async sendDelayed(wakeup: DeliveryWakeup, delayMs: number): Promise<void> {
    this.queue.send(formatWakeup(wakeup), { delayMs, groupId: messageGroupOf(wakeup) });
  }
}

function deliveryIdOf(body: string): string | undefined {
  try {
    return parseWakeup(body).deliveryId;
  } catch {
    return undefined;
  }
}
