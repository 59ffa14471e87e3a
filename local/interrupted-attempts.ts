// After a restart the runtime knows what its previous process had in flight: the wake-ups it had
// received from the deliveries queue and not finished. That process is gone, so the leases it
// held on those attempts are ended at once instead of running out (attempt timeout + 30 s); the
// wake-ups themselves come back from the queue's journal, and the attempts go out again right away.
import type { Log } from '../lambdas/domain/log';
import type { DeliveryRepository } from '../lambdas/domain/ports';
import { parseWakeup } from '../lambdas/domain/wakeup-message';
import type { QueueMessage } from './queue';

export async function endInterruptedAttempts(
  inFlight: QueueMessage[],
  deliveries: Pick<DeliveryRepository, 'endLease'>,
  log: Log,
  now: () => Date = () => new Date(),
): Promise<number> {
  let ended = 0;
  for (const message of inFlight) {
    let wakeup;
    try {
      wakeup = parseWakeup(message.body);
    } catch {
      continue; // Not a wake-up the sender could have claimed anything for; the queue handles it.
    }
    if (await deliveries.endLease(wakeup, now().toISOString())) ended += 1;
  }
  if (ended > 0) log.info('attempts interrupted by the previous stop resume now', { attempts: ended });
  return ended;
}
