// A delivery as fan-out plans it: pending, not attempted, due at the event's receipt. The first
// claim stores it; until then readers build it from its event's plan with this same function.
import { deliveryIdOf } from './delivery-id';
import type { Delivery, EventRecord } from './types';

export function plannedDelivery(event: Pick<EventRecord, 'eventId' | 'type' | 'receivedAt'>, subscriptionId: string): Delivery {
  return {
    deliveryId: deliveryIdOf(event.eventId, subscriptionId),
    eventId: event.eventId,
    subscriptionId,
    eventType: event.type,
    status: 'pending',
    createdAt: event.receivedAt,
    updatedAt: event.receivedAt,
    attemptCount: 0,
    budgetStart: 0,
    nextAttemptAt: event.receivedAt,
    nextTrigger: 'initial',
  };
}

/** A delivery for a subscription disabled at fan-out: stored at once, paused, not attempted, resendable. */
export function pausedDelivery(event: Pick<EventRecord, 'eventId' | 'type' | 'receivedAt'>, subscriptionId: string): Delivery {
  const { nextAttemptAt: _due, nextTrigger: _trigger, ...delivery } = plannedDelivery(event, subscriptionId);
  return { ...delivery, status: 'paused', statusReason: 'subscription disabled', completedAt: event.receivedAt };
}
