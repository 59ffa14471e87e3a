// Fan-out: every accepted event becomes one delivery per matching subscription.
//
// The event item is written first with a condition, holding the plan (the subscription ids). Only
// the invocation that wrote it (a fresh event) wakes the sender for attempt 1 of each delivery of
// an active subscription; the delivery item is created by that attempt's claim, so fan-out costs
// one write per event, not per delivery. Deliveries of disabled subscriptions are stored paused
// (conditional puts: a concurrent repeat of the event may have had one stored by its first
// claim). A repeated event (re-delivered message or re-published id) re-wakes the deliveries of
// its stored plan that are still due; the sender's conditional claim makes an extra wake-up
// harmless. Before any of it, the batch's event ids go to the fan-out log, from which the sweeper
// checks every event once after its grace period.
import { deliveryKeyOf } from './delivery-id';
import { wantsEventType, type FanoutTargets } from './fanout-targets';
import { laneOf, sendNowByLane, type Lane } from './lanes';
import { parseEvent } from './event-parsing';
import { pausedDelivery, plannedDelivery } from './planned-delivery';
import type { Log } from './log';
import { noMetrics, type Metrics } from './metrics';
import { carriedEvent, isDueForWakeup, resumingWakeup } from './wakeup-plan';
import type { Clock, DeadLetters, DeliveryRepository, FanoutLog, WakeupQueue } from './ports';
import type { Delivery, DeliveryWakeup, EventRecord } from './types';

export interface IncomingMessage {
  messageId: string;
  body: string;
}

export interface IngestDeps {
  deliveries: Pick<DeliveryRepository, 'putEventIfAbsent' | 'getEvent' | 'storeDeliveries' | 'listByEvent'>;
  fanoutLog: Pick<FanoutLog, 'record'>;
  fanoutTargets: Pick<FanoutTargets, 'list'>;
  wakeups: WakeupQueue;
  /** The slow lane (lanes.ts): first wake-ups of degraded subscriptions go there. */
  slowWakeups?: Pick<WakeupQueue, 'sendNow'>;
  deadLetters: DeadLetters;
  clock: Clock;
  log: Log;
  metrics?: Metrics;
  maxEventBytes: number;
}

export interface IngestResult {
  /** Messages to leave on the queue for another try (SQS batch item failures). */
  failedMessageIds: string[];
  accepted: number;
  rejected: number;
  duplicates: number;
  /** Deliveries the fresh events were fanned out to (woken for attempt 1, or stored paused). */
  deliveriesCreated: number;
}

interface FreshEvent {
  messageId: string;
  event: EventRecord;
  deliveries: Delivery[];
}

type Accepted = { messageId: string; event: EventRecord };
type Targets = Awaited<ReturnType<FanoutTargets['list']>>;

export async function ingestMessages(deps: IngestDeps, messages: IncomingMessage[]): Promise<IngestResult> {
  const result: IngestResult = { failedMessageIds: [], accepted: 0, rejected: 0, duplicates: 0, deliveriesCreated: 0 };
  const now = deps.clock.now();
  const accepted = await acceptMessages(deps, messages, now, result);
  if (accepted.length === 0) return result;
  const subscriptions = await logAndListTargets(deps, accepted, now, result);
  if (!subscriptions) return result;
  const fresh = await storeEvents(deps, accepted, subscriptions, now, result);
  const lanes = new Map(subscriptions.map((s) => [s.id, laneOf(s, now)]));
  await fanOut(deps, fresh, result, (w) => lanes.get(deliveryKeyOf(w.deliveryId)?.subscriptionId ?? '') ?? 'main');
  const metrics = deps.metrics ?? noMetrics;
  metrics.count('EventsIngested', result.accepted);
  metrics.count('EventsRejected', result.rejected);
  metrics.count('EventsRepeated', result.duplicates);
  metrics.count('DeliveriesCreated', result.deliveriesCreated);
  return result;
}

/** Parses each message: a bad one goes to the dead letters, a second copy in the batch waits. */
async function acceptMessages(deps: IngestDeps, messages: IncomingMessage[], now: Date, result: IngestResult): Promise<Accepted[]> {
  const accepted: Accepted[] = [];
  const seenInBatch = new Map<string, string>();
  for (const message of messages) {
    const parsed = parseEvent(message.body, message.messageId, deps.maxEventBytes);
    if (!parsed.ok) {
      await rejectMessage(deps, message, parsed.reason, result);
      continue;
    }
    // Two copies in one batch would race each other; the second waits for the next receive.
    const first = seenInBatch.get(parsed.eventId);
    if (first !== undefined) {
      deps.log.info('event repeated within one batch; retrying the copy later', { eventId: parsed.eventId, messageId: message.messageId });
      result.failedMessageIds.push(message.messageId);
      continue;
    }
    seenInBatch.set(parsed.eventId, message.messageId);
    const event = {
      eventId: parsed.eventId,
      type: parsed.type,
      body: message.body,
      receivedAt: now.toISOString(),
      sourceMessageId: message.messageId,
      subscriptionIds: [],
    };
    accepted.push({ messageId: message.messageId, event });
  }
  return accepted;
}

/** Writes the batch to the fan-out log, then reads the subscriptions; undefined (batch retried) when either fails. */
async function logAndListTargets(deps: IngestDeps, accepted: Accepted[], now: Date, result: IngestResult): Promise<Targets | undefined> {
  try {
    await deps.fanoutLog.record(
      accepted.map((a) => a.event.eventId),
      now,
    );
  } catch (error) {
    deps.log.error('could not write the fan-out log; retrying the batch', { error: String(error) });
    result.failedMessageIds.push(...accepted.map((a) => a.messageId));
    return undefined;
  }
  try {
    return await deps.fanoutTargets.list();
  } catch (error) {
    deps.log.error('could not read subscriptions; retrying the batch', { error: String(error) });
    result.failedMessageIds.push(...accepted.map((a) => a.messageId));
    return undefined;
  }
}

/** Stores each event with its plan; a fresh one is to be fanned out, a repeated one resumes its stored plan. */
async function storeEvents(
  deps: IngestDeps,
  accepted: Accepted[],
  subscriptions: Targets,
  now: Date,
  result: IngestResult,
): Promise<FreshEvent[]> {
  const fresh: FreshEvent[] = [];
  await Promise.all(
    accepted.map(async ({ messageId, event }) => {
      const targets = subscriptions.filter((s) => wantsEventType(s, event.type));
      event.subscriptionIds = targets.map((s) => s.id);
      try {
        if (await deps.deliveries.putEventIfAbsent(event)) {
          const deliveries = targets.map((s) => (s.status === 'active' ? plannedDelivery(event, s.id) : pausedDelivery(event, s.id)));
          fresh.push({ messageId, event, deliveries });
          result.accepted += 1;
        } else {
          result.duplicates += 1;
          const done = await resumeRepeatedEvent(deps, event, now);
          if (!done) result.failedMessageIds.push(messageId);
        }
      } catch (error) {
        deps.log.error('could not store event; retrying it', { eventId: event.eventId, messageId, error: String(error) });
        result.failedMessageIds.push(messageId);
      }
    }),
  );
  return fresh;
}

async function rejectMessage(deps: IngestDeps, message: IncomingMessage, reason: string, result: IngestResult): Promise<void> {
  try {
    await deps.deadLetters.reject(message.body, reason, message.messageId);
    deps.log.warn('event rejected to the dead-letter queue', { messageId: message.messageId, reason });
    result.rejected += 1;
  } catch (error) {
    deps.log.error('could not park rejected event; retrying it', { messageId: message.messageId, reason, error: String(error) });
    result.failedMessageIds.push(message.messageId);
  }
}

/** Batched writes and sends for all fresh events of the batch together. */
async function fanOut(
  deps: IngestDeps,
  fresh: FreshEvent[],
  result: IngestResult,
  laneOfWakeup: (wakeup: DeliveryWakeup) => Lane,
): Promise<void> {
  const all = fresh.flatMap((f) => f.deliveries);
  if (all.length === 0) return;
  const failedEvents = new Set<string>();
  const paused = all.filter((d) => d.status === 'paused');
  if (paused.length > 0) {
    try {
      await deps.deliveries.storeDeliveries(paused);
    } catch (error) {
      deps.log.error('could not store paused deliveries; retrying their events', { error: String(error) });
      for (const d of paused) failedEvents.add(d.eventId);
    }
  }

  // Each wake-up carries its event, so that the first attempt reads nothing but its own claim.
  const wakeups = fresh
    .filter((f) => !failedEvents.has(f.event.eventId))
    .flatMap((f) =>
      f.deliveries
        .filter((d) => d.status === 'pending')
        .map((d) => ({ deliveryId: d.deliveryId, attempt: 1, event: carriedEvent(f.event) })),
    );
  let unsent: DeliveryWakeup[];
  try {
    unsent = await sendNowByLane({ main: deps.wakeups, slow: deps.slowWakeups }, wakeups, laneOfWakeup);
  } catch (error) {
    deps.log.error('could not queue deliveries; retrying their events', { error: String(error) });
    unsent = wakeups;
  }
  const eventOf = new Map(all.map((d) => [d.deliveryId, d.eventId]));
  for (const w of unsent) failedEvents.add(eventOf.get(w.deliveryId)!);

  for (const f of fresh) {
    if (failedEvents.has(f.event.eventId)) {
      // The event item exists, so the retry takes the repeated-event path and completes the fan-out.
      result.failedMessageIds.push(f.messageId);
    } else {
      result.deliveriesCreated += f.deliveries.length;
      const pausedCount = f.deliveries.filter((d) => d.status === 'paused').length;
      deps.log.info('event fanned out', {
        eventId: f.event.eventId,
        eventType: f.event.type,
        deliveries: f.deliveries.length,
        paused: pausedCount,
      });
    }
  }
}

/**
 * Completes the fan-out of an event stored before: wakes every delivery of its plan that is due
 * (planned ones for attempt 1). Returns false when the message should be tried again later.
 */
async function resumeRepeatedEvent(deps: IngestDeps, incoming: EventRecord, now: Date): Promise<boolean> {
  const stored = await deps.deliveries.getEvent(incoming.eventId);
  if (!stored) return false;
  if (stored.body !== incoming.body) {
    deps.log.warn('event id repeated with a different body; the first body is kept', {
      eventId: incoming.eventId,
      messageId: incoming.sourceMessageId,
    });
  }
  const due = (await deps.deliveries.listByEvent(stored.eventId, stored)).filter((d) => isDueForWakeup(d, now));
  const unsent = await deps.wakeups.sendNow(due.map((d) => ({ ...resumingWakeup(d), event: carriedEvent(stored) })));
  deps.log.info('repeated event: fan-out completed', { eventId: stored.eventId, woken: due.length - unsent.length });
  return unsent.length === 0;
}
