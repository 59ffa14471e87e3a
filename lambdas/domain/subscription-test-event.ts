// `test`: one event sent to one subscription only, through the normal pipeline, so it lands in that
// subscription's attempt log like any delivery. It is stored as an event whose fan-out plan names
// only this subscription (ingest never sees it, so no other subscription gets it), recorded in the
// fan-out log (the sweeper wakes it if the wake-up below is lost) and woken for attempt 1.
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { deliveryIdOf, isSubscriptionId } from './delivery-id';
import { parseEvent } from './event-parsing';
import { TEST_EVENT_TYPE } from './event-types';
import type { Log } from './log';
import { ConflictError, ValidationError } from './errors';
import type { Clock, DeliveryRepository, FanoutLog, WakeupQueue } from './ports';
import type { EventRecord, Subscription } from './types';

export const testRequest = z.strictObject({
  action: z.literal('test'),
  id: z.string({ message: 'is required' }).refine(isSubscriptionId, 'must be a subscription id like sub_abcdefghijklmnopqrst'),
  event: z.record(z.string(), z.unknown(), { message: 'must be a JSON object: a sample event' }).optional(),
});

export type TestRequest = z.output<typeof testRequest>;

export interface TestEventDeps {
  deliveries: Pick<DeliveryRepository, 'putEventIfAbsent'>;
  fanoutLog: Pick<FanoutLog, 'record'>;
  wakeups: Pick<WakeupQueue, 'sendNow'>;
  maxEventBytes: number;
}

export interface TestEventSent {
  eventId: string;
  eventType: string;
  deliveryId: string;
}

/** Test event ids cannot collide with the CRM's (integers) and say what they are. */
export function newTestEventId(): string {
  return `test-${randomUUID()}`;
}

export async function sendTestEvent(
  deps: TestEventDeps & { clock: Clock; log: Log },
  subscription: Subscription,
  req: TestRequest,
): Promise<TestEventSent> {
  if (subscription.status !== 'active') {
    throw new ConflictError(`id: subscription ${subscription.id} is ${subscription.status}: enable it before sending a test event`);
  }
  const now = deps.clock.now();
  const eventId = newTestEventId();
  const body = testEventBody(eventId, subscription.id, now, req.event);
  const parsed = parseEvent(body, eventId, deps.maxEventBytes);
  if (!parsed.ok) throw new ValidationError(`event: ${parsed.reason}`);
  const event: EventRecord = {
    eventId,
    type: parsed.type,
    body,
    receivedAt: now.toISOString(),
    sourceMessageId: eventId,
    subscriptionIds: [subscription.id],
  };
  await deps.fanoutLog.record([eventId], now);
  await deps.deliveries.putEventIfAbsent(event);
  const deliveryId = deliveryIdOf(eventId, subscription.id);
  const unsent = await deps.wakeups.sendNow([{ deliveryId, attempt: 1 }]);
  // Stored and in the fan-out log: the sweeper wakes it after its grace period. Nothing is lost.
  if (unsent.length > 0) deps.log.warn('test event stored but not woken; the sweeper will send it', { deliveryId });
  deps.log.info('test event sent', { subscriptionId: subscription.id, eventId, eventType: parsed.type });
  return { eventId, eventType: parsed.type, deliveryId };
}

/**
 * The documented `webhook.test` event, or the given sample with its `id` replaced: a receiver that
 * deduplicates on the event's id must never take the test for the real event it was copied from.
 */
function testEventBody(eventId: string, subscriptionId: string, now: Date, sample?: Record<string, unknown>): string {
  if (!sample) {
    return JSON.stringify({
      id: eventId,
      type: TEST_EVENT_TYPE,
      date: now.toISOString(),
      subscriptionId,
      message: 'A test event sent by support to this subscription only. No action is needed.',
    });
  }
  const withId =
    'id' in sample ? Object.fromEntries(Object.entries(sample).map(([k, v]) => [k, k === 'id' ? eventId : v])) : { id: eventId, ...sample };
  return JSON.stringify(withId);
}
