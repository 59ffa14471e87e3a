// Manual resend by support: pick deliveries by id, by event, or by subscription and time window, and
// give each a fresh attempt budget starting now. `dryRun` only reports what would be resent.
import * as z from 'zod';
import { EVENT_ID_TOO_LONG, isStorableEventId, parseDeliveryId } from './delivery-id';
import { hasLiveLease } from './delivery-lifecycle';
import { deliveryStatus, isoDateTime, parseInput, subscriptionId } from './input';
import type { Log } from './log';
import { mapLimited } from './map-limited';
import { noMetrics, type Metrics } from './metrics';
import type { Clock, DeliveryRepository, WakeupQueue } from './ports';
import { ValidationError } from './errors';
import type { Delivery, DeliveryWakeup, ResendResult } from './types';

export type { ResendResult };

const IN_FLIGHT = 'an attempt is in flight; try again in a minute';

/** One call touches at most this many deliveries; a wider window is resent in several calls. */
export const MAX_RESEND = 10_000;

const dryRun = z.boolean({ message: 'must be true or false' }).optional();

const byDeliveryIds = z.strictObject({
  deliveryIds: z
    .array(z.string().min(1, 'must not be empty'), { message: 'must be an array of delivery ids' })
    .min(1, 'must name at least one delivery')
    .max(1000, 'at most 1000 per call'),
  dryRun,
});
const eventId = z
  .union([z.string().min(1), z.number().int()], { message: 'must be event ids (strings or integers)' })
  .refine((id) => typeof id === 'number' || isStorableEventId(id), EVENT_ID_TOO_LONG);
const byEventIds = z.strictObject({
  eventIds: z
    .array(eventId, { message: 'must be an array of event ids' })
    .min(1, 'must name at least one event')
    .max(1000, 'at most 1000 per call'),
  subscriptionId: subscriptionId.optional(),
  dryRun,
});
const byWindow = z
  .strictObject({
    subscriptionId,
    from: isoDateTime,
    to: isoDateTime,
    status: deliveryStatus.optional(),
    dryRun,
  })
  .refine((w) => Date.parse(w.from) < Date.parse(w.to), { message: 'must be before `to`', path: ['from'] });

export type ResendRequest =
  | ({ selector: 'deliveryIds' } & z.output<typeof byDeliveryIds>)
  | ({ selector: 'eventIds' } & z.output<typeof byEventIds>)
  | ({ selector: 'window' } & z.output<typeof byWindow>);

export function parseResendRequest(input: unknown): ResendRequest {
  const keys = typeof input === 'object' && input !== null ? Object.keys(input) : [];
  const selectors = ['deliveryIds', 'eventIds'].filter((k) => keys.includes(k));
  if (selectors.length > 1) throw new ValidationError('give one selector per call: `deliveryIds` or `eventIds`, not both');
  if (keys.includes('deliveryIds')) return { selector: 'deliveryIds', ...parseInput(byDeliveryIds, input, 'resend request') };
  if (keys.includes('eventIds')) return { selector: 'eventIds', ...parseInput(byEventIds, input, 'resend request') };
  if (keys.includes('subscriptionId') || keys.includes('from') || keys.includes('to')) {
    return { selector: 'window', ...parseInput(byWindow, input, 'resend request') };
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new ValidationError('resend request must be a JSON object');
  throw new ValidationError(
    'resend request needs one selector: `deliveryIds`, `eventIds` (optionally with `subscriptionId`), ' +
      'or `subscriptionId` with `from` and `to` (optionally `status`)',
  );
}

export interface ResendDeps {
  deliveries: Pick<DeliveryRepository, 'getMany' | 'getEvent' | 'listByEvent' | 'listBySubscription' | 'restartBudget'>;
  wakeups: Pick<WakeupQueue, 'sendNow'>;
  clock: Clock;
  log: Log;
  metrics?: Metrics;
}

export async function resend(deps: ResendDeps, input: unknown): Promise<ResendResult> {
  const request = parseResendRequest(input);
  const { matched, notFound, notToSubscription } = await select(deps, request);
  const result: ResendResult = {
    dryRun: request.dryRun === true,
    matched: matched.length,
    resent: 0,
    deliveryIds: [],
    skipped: [],
    notFound,
  };
  if (notToSubscription && notToSubscription.length > 0) result.notToSubscription = notToSubscription;
  const now = deps.clock.now().toISOString();
  if (request.dryRun) {
    // What a real resend would do now: one with an attempt in flight would be skipped.
    for (const d of matched) {
      if (hasLiveLease(d, now)) result.skipped.push({ deliveryId: d.deliveryId, reason: IN_FLIGHT });
      else result.deliveryIds.push(d.deliveryId);
    }
    return result;
  }
  const wakeups: DeliveryWakeup[] = [];
  await mapLimited(matched, 16, async (d) => {
    const restarted = await deps.deliveries.restartBudget(d, now);
    if (restarted) wakeups.push({ deliveryId: restarted.deliveryId, attempt: restarted.attemptCount + 1 });
    else result.skipped.push({ deliveryId: d.deliveryId, reason: IN_FLIGHT });
  });
  // A wake-up that cannot be sent is not lost: the delivery is pending and due, the sweeper finds it.
  // The budgets are restarted by now, so a failed send must not answer as if nothing had happened.
  const unsent = await deps.wakeups.sendNow(wakeups).catch((error: unknown) => {
    deps.log.error('resend wake-ups could not be queued', { error: String(error) });
    return wakeups;
  });
  if (unsent.length > 0) deps.log.warn('some resend wake-ups could not be queued; the sweeper will pick them up', { count: unsent.length });
  result.deliveryIds = wakeups.map((w) => w.deliveryId).sort();
  result.resent = wakeups.length;
  (deps.metrics ?? noMetrics).count('DeliveriesResent', result.resent);
  deps.log.info('resend', { selector: request.selector, matched: result.matched, resent: result.resent, skipped: result.skipped.length });
  return result;
}

interface Selection {
  matched: Delivery[];
  notFound: string[];
  notToSubscription?: string[];
}

/** Every delivery of the events; narrowed to one subscription, an event it never got is told apart from an unknown one. */
async function selectByEvents(deps: ResendDeps, eventIds: string[], subscriptionId: string | undefined): Promise<Selection> {
  const selection: Required<Selection> = { matched: [], notFound: [], notToSubscription: [] };
  for (const eventId of [...new Set(eventIds)]) {
    const all = await deps.deliveries.listByEvent(eventId);
    const deliveries = all.filter((d) => subscriptionId === undefined || d.subscriptionId === subscriptionId);
    selection.matched.push(...deliveries);
    if (deliveries.length > 0) continue;
    const known = all.length > 0 || (subscriptionId !== undefined && (await deps.deliveries.getEvent(eventId)) !== undefined);
    (known ? selection.notToSubscription : selection.notFound).push(eventId);
  }
  return selection;
}

async function select(deps: ResendDeps, request: ResendRequest): Promise<Selection> {
  switch (request.selector) {
    case 'deliveryIds': {
      // Checked before removing repeats, so the position named is the one in the caller's list.
      request.deliveryIds.forEach((id, i) => {
        try {
          parseDeliveryId(id);
        } catch (error) {
          throw new ValidationError(`deliveryIds.${i}: ${(error as Error).message}`);
        }
      });
      const ids = [...new Set(request.deliveryIds)];
      const found = await deps.deliveries.getMany(ids);
      const have = new Set(found.map((d) => d.deliveryId));
      return { matched: found, notFound: ids.filter((id) => !have.has(id)) };
    }
    case 'eventIds':
      return selectByEvents(deps, request.eventIds.map(String), request.subscriptionId);
    case 'window': {
      const matched: Delivery[] = [];
      let cursor: string | undefined;
      do {
        const page = await deps.deliveries.listBySubscription(
          {
            subscriptionId: request.subscriptionId,
            from: new Date(request.from).toISOString(),
            to: new Date(request.to).toISOString(),
            status: request.status,
          },
          1000,
          cursor,
        );
        matched.push(...page.items);
        cursor = page.cursor;
        if (matched.length > MAX_RESEND) {
          throw new ValidationError(`more than ${MAX_RESEND} deliveries match; narrow the window (\`from\`, \`to\`) or add \`status\``);
        }
      } while (cursor);
      return { matched, notFound: [] };
    }
  }
}
