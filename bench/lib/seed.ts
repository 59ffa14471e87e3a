// Planned deliveries ready for the sender, stored the way ingest stores them (the real repository's
// putEventIfAbsent with the plan; the first claim creates each delivery item), without running
// ingest itself: the sender benchmark measures the sender only.
import type { DeliveryRepository } from '../../lambdas/domain/ports';
import { plannedDelivery } from '../../lambdas/domain/planned-delivery';
import type { Delivery } from '../../lambdas/domain/types';
import { formatWakeup } from '../../lambdas/domain/wakeup-message';
import { eventBody } from './world';

export interface Seeded {
  deliveries: Delivery[];
  /** The wake-up message body of each delivery's first attempt, in the same order. */
  wakeups: string[];
}

export async function seedDeliveries(
  repository: DeliveryRepository,
  options: { subscriptionIds: readonly string[]; events: number; sample: string; type: string; prefix: string; now?: Date },
): Promise<Seeded> {
  const now = options.now ?? new Date();
  const deliveries: Delivery[] = [];
  for (let i = 0; i < options.events; i += 1) {
    const eventId = `${options.prefix}-${i}`;
    const event = {
      eventId,
      type: options.type,
      body: eventBody(options.sample, eventId),
      receivedAt: now.toISOString(),
      sourceMessageId: `msg-${eventId}`,
      subscriptionIds: [...options.subscriptionIds],
    };
    if (!(await repository.putEventIfAbsent(event))) throw new Error(`event ${eventId} exists already`);
    for (const subscriptionId of options.subscriptionIds) deliveries.push(plannedDelivery(event, subscriptionId));
  }
  return { deliveries, wakeups: deliveries.map((d) => formatWakeup({ deliveryId: d.deliveryId, attempt: 1 })) };
}
