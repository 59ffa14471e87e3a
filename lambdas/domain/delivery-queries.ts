// Support's read-only view of deliveries and their attempt logs (the `deliveries` function): list a
// subscription's deliveries in a time window, an event's deliveries, or one delivery with its
// attempts. Attempt records never hold secrets; they were scrubbed when written.
import * as z from 'zod';
import { circuitOf, circuitView, type CircuitView } from './circuit';
import { EVENT_ID_TOO_LONG, isStorableEventId, parseDeliveryId } from './delivery-id';
import { deliveryStatus, isoDateTime, parseInput, subscriptionId } from './input';
import type { DeliveryRepository, SubscriptionRepository } from './ports';
import { NotFoundError, ValidationError } from './errors';
import type { Attempt, Delivery } from './types';

export const MAX_PAGE = 500;

const listBySubscription = z
  .strictObject({
    action: z.literal('list'),
    subscriptionId,
    from: isoDateTime,
    to: isoDateTime,
    status: deliveryStatus.optional(),
    limit: z.number().int().min(1).max(MAX_PAGE, `at most ${MAX_PAGE}`).optional(),
    cursor: z.string().min(1).optional(),
  })
  .refine((q) => Date.parse(q.from) < Date.parse(q.to), { message: 'must be before `to`', path: ['from'] });
const listByEvent = z.strictObject({
  action: z.literal('list'),
  eventId: z
    .union([z.string().min(1), z.number().int()], { message: 'must be an event id (string or integer)' })
    .refine((id) => typeof id === 'number' || isStorableEventId(id), EVENT_ID_TOO_LONG),
  subscriptionId: subscriptionId.optional(),
});
const show = z.strictObject({ action: z.literal('show'), deliveryId: z.string({ message: 'is required' }).min(1) });
const eventId = z.union([z.string().min(1), z.number().int()], { message: 'must be an event id (string or integer)' });
const events = z.strictObject({ action: z.literal('events'), eventIds: z.array(eventId).min(1).max(100, 'at most 100 per call') });

/** An ingested event as support needs to know it: when, and to how many subscriptions it was fanned out then. */
export interface EventSummary {
  eventId: string;
  type: string;
  receivedAt: string;
  subscriptions: number;
}

/** `circuit`: the subscription's circuit breaker, for a delivery that waits behind it (absent for a deleted subscription). */
export type DeliveryQueryResponse =
  | { deliveries: Delivery[]; cursor?: string; circuit?: CircuitView }
  | { events: EventSummary[]; notFound: string[] }
  | { delivery: Delivery; attempts: Attempt[]; circuit?: CircuitView };

export interface DeliveryQueryDeps {
  deliveries: Pick<DeliveryRepository, 'get' | 'getEvent' | 'listByEvent' | 'listBySubscription' | 'listAttempts'>;
  subscriptions: Pick<SubscriptionRepository, 'get'>;
}

async function circuitFor(deps: DeliveryQueryDeps, subscriptionId: string): Promise<{ circuit?: CircuitView }> {
  const subscription = await deps.subscriptions.get(subscriptionId);
  return subscription ? { circuit: circuitView(circuitOf(subscription)) } : {};
}

export async function queryDeliveries(deps: DeliveryQueryDeps, input: unknown): Promise<DeliveryQueryResponse> {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new ValidationError('deliveries request must be a JSON object');
  const action = (input as { action?: unknown }).action;
  if (action === 'show') {
    const req = parseInput(show, input, 'show request');
    try {
      parseDeliveryId(req.deliveryId);
    } catch (error) {
      throw new ValidationError(`deliveryId: ${(error as Error).message}`);
    }
    const delivery = await deps.deliveries.get(req.deliveryId);
    if (!delivery) throw new NotFoundError(`deliveryId: no delivery ${req.deliveryId}`);
    const [attempts, circuit] = await Promise.all([
      deps.deliveries.listAttempts(req.deliveryId),
      circuitFor(deps, delivery.subscriptionId),
    ]);
    return { delivery, attempts, ...circuit };
  }
  if (action === 'list') {
    if ('eventId' in input) {
      const req = parseInput(listByEvent, input, 'list request');
      const deliveries = (await deps.deliveries.listByEvent(String(req.eventId))).filter(
        (d) => req.subscriptionId === undefined || d.subscriptionId === req.subscriptionId,
      );
      return { deliveries };
    }
    if (!('subscriptionId' in input)) {
      throw new ValidationError(
        'list request needs `eventId`, or `subscriptionId` with `from` and `to` (optionally `status`, `limit`, `cursor`)',
      );
    }
    const req = parseInput(listBySubscription, input, 'list request');
    const page = await deps.deliveries.listBySubscription(
      {
        subscriptionId: req.subscriptionId,
        from: new Date(req.from).toISOString(),
        to: new Date(req.to).toISOString(),
        status: req.status,
      },
      req.limit ?? 100,
      req.cursor,
    );
    const circuit = await circuitFor(deps, req.subscriptionId);
    return page.cursor ? { deliveries: page.items, cursor: page.cursor, ...circuit } : { deliveries: page.items, ...circuit };
  }
  if (action === 'events') return eventSummaries(deps, input);
  throw new ValidationError('action: must be one of list, show, events');
}

/** Which of these event ids were ingested already: their fan-out is fixed, a repeat delivers to no one new. */
async function eventSummaries(deps: DeliveryQueryDeps, input: object): Promise<{ events: EventSummary[]; notFound: string[] }> {
  const req = parseInput(events, input, 'events request');
  const ids = [...new Set(req.eventIds.map(String))];
  const found = await Promise.all(ids.map((id) => deps.deliveries.getEvent(id)));
  return {
    events: found.flatMap((e) =>
      e ? [{ eventId: e.eventId, type: e.type, receivedAt: e.receivedAt, subscriptions: e.subscriptionIds.length }] : [],
    ),
    notFound: ids.filter((_, i) => !found[i]),
  };
}
