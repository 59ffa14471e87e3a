// The body of a deliveries-queue message (and of a schedule's input). A malformed one is an error:
// the message is retried and ends in the deliveries DLQ, where the alarm shows it.
//
// The event's body rides along as the last member, raw: `{"deliveryId":…,"attempt":1,"eventType":…,
// "receivedAt":…,"body":<the event as published>}`. Raw rather than as a JSON string, so that it is
// neither escaped (larger) nor re-serialised: the sender slices out the very bytes the CRM published,
// which receivers verify signatures over. The whole message stays valid JSON (the event is a JSON
// object), readable in the dead-letter queue. A body that would make the message too large for its
// transport is left out, and the sender reads it from the events table.
import * as z from 'zod';
import { deliveryKeyOf } from './delivery-id';
import { describeIssues } from './input';
import { ValidationError } from './errors';
import type { DeliveryWakeup } from './types';

/** SQS's largest message (body and attributes): 256 KiB. Wake-ups carry no attributes. */
export const SQS_MESSAGE_MAX_BYTES = 256 * 1024;

/**
 * The largest schedule input that carries the body: EventBridge Scheduler bills every 64 KB of
 * payload as one more invocation, so a larger event is read from the table when the retry comes.
 */
export const SCHEDULE_INPUT_MAX_BYTES = 64 * 1024;

/** Where the raw body begins. Inside a JSON string every `"` is escaped, so the first match is this member. */
const BODY_MEMBER = ',"body":';

const wakeupSchema = z.object({
  deliveryId: z.string().min(1),
  attempt: z.number().int().min(1),
  eventType: z.string().min(1).optional(),
  receivedAt: z.string().min(1).optional(),
  waitingSince: z.string().min(1).optional(),
  release: z.object({ openedAt: z.string().min(1), closedAt: z.string().min(1), after: z.string().min(1).optional() }).optional(),
});

export function parseWakeup(message: string): DeliveryWakeup {
  const at = message.indexOf(BODY_MEMBER);
  const head = at < 0 ? message : `${message.slice(0, at)}}`;
  let value: unknown;
  try {
    value = JSON.parse(head);
  } catch {
    throw new ValidationError('wake-up message is not JSON');
  }
  const parsed = wakeupSchema.safeParse(value);
  if (!parsed.success) throw new ValidationError(`wake-up message is invalid: ${describeIssues(parsed.error.issues)}`);
  const { deliveryId, attempt, eventType, receivedAt, waitingSince, release } = parsed.data;
  const wakeup: DeliveryWakeup = { deliveryId, attempt };
  if (waitingSince !== undefined) wakeup.waitingSince = waitingSince;
  if (release !== undefined) wakeup.release = release;
  if (eventType === undefined || receivedAt === undefined) {
    if (at >= 0) throw new ValidationError('wake-up message is invalid: a body without eventType and receivedAt');
    return wakeup;
  }
  if (at < 0) return { ...wakeup, event: { type: eventType, receivedAt } };
  if (!message.endsWith('}')) throw new ValidationError('wake-up message is invalid: its body is not closed');
  return { ...wakeup, event: { type: eventType, receivedAt, body: message.slice(at + BODY_MEMBER.length, -1) } };
}

/** The message for `wakeup`, with the event's body when the whole message stays within `maxBytes`. */
export function formatWakeup(wakeup: DeliveryWakeup, maxBytes = SQS_MESSAGE_MAX_BYTES): string {
  const { deliveryId, attempt, event, waitingSince, release } = wakeup;
  // Undefined members are left out by JSON.stringify: a plain wake-up stays as small as before.
  if (!event) return JSON.stringify({ deliveryId, attempt, waitingSince, release });
  const head = JSON.stringify({ deliveryId, attempt, waitingSince, release, eventType: event.type, receivedAt: event.receivedAt });
  if (event.body === undefined) return head;
  const withBody = `${head.slice(0, -1)}${BODY_MEMBER}${event.body}}`;
  return Buffer.byteLength(withBody, 'utf8') <= maxBytes ? withBody : head;
}

/**
 * A wake-up's message group: its subscription. Groups make a standard SQS queue a fair queue, whose
 * tenants are the subscriptions: while one subscription's backlog holds a large share of the
 * messages in flight, SQS hands out the other subscriptions' wake-ups first. Undefined for an id
 * that names no subscription (the sender sets such a message aside).
 */
export function messageGroupOf(wakeup: Pick<DeliveryWakeup, 'deliveryId'>): string | undefined {
  return deliveryKeyOf(wakeup.deliveryId)?.subscriptionId;
}
