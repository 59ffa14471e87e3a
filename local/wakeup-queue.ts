// WakeupQueue over the in-process deliveries queue. Unlike SQS (whole seconds, at most 900 s), the
// local queue delays to the millisecond, so a retry is woken exactly when it is due.
import type { WakeupQueue } from '../lambdas/domain/ports';
import type { DeliveryWakeup } from '../lambdas/domain/types';
import { formatWakeup } from '../lambdas/domain/wakeup-message';
import type { LocalQueue } from './queue';

export class LocalWakeupQueue implements WakeupQueue {
  constructor(private readonly queue: Pick<LocalQueue, 'send'>) {}

  async sendNow(wakeups: DeliveryWakeup[]): Promise<DeliveryWakeup[]> {
    const failed: DeliveryWakeup[] = [];
    for (const wakeup of wakeups) {
      try {
        this.queue.send(formatWakeup(wakeup));
      } catch {
        // Reported back one by one, as SQS reports refused batch entries; the caller decides.
        failed.push(wakeup);
      }
    }
    return failed;
  }

  async sendDelayed(wakeup: DeliveryWakeup, delayMs: number): Promise<void> {
    this.queue.send(formatWakeup(wakeup), { delayMs });
  }
}
