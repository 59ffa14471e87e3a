// Support's read-only view of deliveries and their attempt logs (the `deliveries` function): list a
// subscription's deliveries in a time window, an event's deliveries, or one delivery with its
// attempts. Attempt records never hold secrets; they were scrubbed when written.
import * as z from 'zod';
import { circuitOf, circuitView, type CircuitView } from './circuit';
import { isSubscriptionId, parseDeliveryId } from './delivery-id';
import { isoDateTime, parseInput } from './input';
import { NotFoundError, ValidationError, type DeliveryRepository, type SubscriptionRepository } from './ports';
import type { Attempt, Delivery } from './types';

const statuses = ['pending', 'delivered', 'failed', 'paused'] as const;
export const MAX_PAGE = 500;

const subscriptionId = z.string().refine(isSubscriptionId, 'must be a subscription id like sub_abcdefghijklmnopqrst');

const listBySubscription = z
  .strictObject({
    action: z.literal('list'),
    subscriptionId,
    from: isoDateTime,
    to: isoDateTime,
    status: z.enum(statuses, { message: `must be one of ${statuses.join(', ')}` }).optional(),
    limit: z.number().int().min(1).max(MAX_PAGE, `at most ${MAX_PAGE}`).optional(),
    cursor: z.string().min(1).optional(),
  })
  .refine((q) => Date.parse(q.from) < Date.parse(q.to), { message: 'must be before `to`', path: ['from'] });
const listByEvent = z.strictObject({
  action: z.literal('list'),
  eventId: z.union([z.string().min(1), z.number().int()], { message: 'must be an event id (string or integer)' }),
  subscriptionId: subscriptionId.optional(),
});
const show = z.strictObject({ action: z.literal('show'), deliveryId: z.string({ message: 'is required' }).min(1) });

/** `circuit`: the subscription's circuit breaker, for a delivery that waits behind it (absent for a deleted subscription). */
export type DeliveryQueryResponse =
  | { deliveries: Delivery[]; cursor?: string; circuit?: CircuitView }
  | { delivery: Delivery; attempts: Attempt[]; circuit?: CircuitView };

export interface DeliveryQueryDeps {
  deliveries: Pick<DeliveryRepository, 'get' | 'listByEvent' | 'listBySubscription' | 'listAttempts'>;
  subscriptions: Pick<SubscriptionRepository, 'get'>;
}

async function circuitFor(deps: DeliveryQueryDeps, subscriptionId: string): Promise<{ circuit?: CircuitView }> {
  const subscription = await deps.subscriptions.get(subscriptionId);
  return subscription ? { circuit: circuitView(circuitOf(subscription)) } : {};
}

export async function queryDeliveries(deps: DeliveryQueryDeps, input: unknown): Promise<DeliveryQueryResponse> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ValidationError('deliveries request must be a JSON object');
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
    const [attempts, circuit] = await Promise.all([deps.deliveries.listAttempts(req.deliveryId), circuitFor(deps, delivery.subscriptionId)]);
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
      throw new ValidationError('list request needs `eventId`, or `subscriptionId` with `from` and `to` (optionally `status`, `limit`, `cursor`)');
    }
    const req = parseInput(listBySubscription, input, 'list request');
    const page = await deps.deliveries.listBySubscription(
      { subscriptionId: req.subscriptionId, from: new Date(req.from).toISOString(), to: new Date(req.to).toISOString(), status: req.status },
      req.limit ?? 100,
      req.cursor,
    );
    const circuit = await circuitFor(deps, req.subscriptionId);
    return page.cursor ? { deliveries: page.items, cursor: page.cursor, ...circuit } : { deliveries: page.items, ...circuit };
  }
  throw new ValidationError('action: must be one of list, show');
}
