// Planned deliveries ready for the sender, stored the way ingest stores them (the real repository's
// putEventIfAbsent with the plan; the first claim creates each delivery item), without running
// ingest itself: the sender benchmark measures the sender only.
import type { DeliveryRepository } from '../../lambdas/domain/ports';
import { plannedDelivery } from '../../lambdas/domain/planned-delivery';
import type { Delivery } from '../../lambdas/domain/types';
import { formatWakeup } from '../../lambdas/domain/wakeup-message';
import { eventBody } from './world';

const SEED_IN_FLIGHT = 16;

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
  const events = Array.from({ length: options.events }, (_, i) => {
    const eventId = `${options.prefix}-${i}`;
    return {
      eventId,
      type: options.type,
      body: eventBody(options.sample, eventId),
      receivedAt: now.toISOString(),
      sourceMessageId: `msg-${eventId}`,
      subscriptionIds: [...options.subscriptionIds],
    };
  });
  // Several puts in flight: against a real DynamoDB (dynalite) one at a time would take longer than the runs.
  for (let i = 0; i < events.length; i += SEED_IN_FLIGHT) {
    const created = await Promise.all(events.slice(i, i + SEED_IN_FLIGHT).map((event) => repository.putEventIfAbsent(event)));
    const taken = created.indexOf(false);
    if (taken >= 0) throw new Error(`event ${events[i + taken].eventId} exists already`);
  }
  const deliveries: Delivery[] = events.flatMap((event) =>
    options.subscriptionIds.map((subscriptionId) => plannedDelivery(event, subscriptionId)),
  );
  return { deliveries, wakeups: deliveries.map((d) => formatWakeup({ deliveryId: d.deliveryId, attempt: 1 })) };
}
