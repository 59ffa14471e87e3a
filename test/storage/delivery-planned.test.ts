// Deliveries stored from their first claim: planned deliveries shown from the event's plan, the claim
// that creates the item, attempts kept inline on the item, restarts of planned and inline-delivered
// deliveries, and putting unsettled deliveries of an event under the sweeper's watch.
import { describe, expect, it } from 'vitest';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDeliveryRepository } from '../../lambdas/adapters/dynamo/delivery-repository';
import { deliveryIdOf, pendingShardOf } from '../../lambdas/domain/delivery-id';
import type { DeliveryOrigin } from '../../lambdas/domain/ports';
import type { Attempt, Delivery, EventRecord } from '../../lambdas/domain/types';
import { PENDING_SHARDS } from '../../lambdas/storage/tables';
import type { LocalDynamo } from '../support/dynalite';
import {
  at,
  epochSecondsAfterRetention,
  newDelivery,
  newEventId,
  newSubscriptionId,
  rawItem,
  RETENTION_DAYS,
  useStorage,
} from './fixtures';

let dynamo: LocalDynamo;
let doc: DynamoDBDocumentClient;
let repo: DynamoDeliveryRepository;
useStorage('file', (storage) => ({ dynamo, doc, deliveries: repo } = storage));

// A type other than the fixtures' 'donation', so a test sees where a stored item's type came from.
const EVENT_TYPE = 'contact.updated';

/** A stored event whose plan holds `subscriptions` fresh subscription ids, received at `at(receivedAt)`. */
async function storedEvent(subscriptions = 2, receivedAt = 0): Promise<EventRecord> {
  const event: EventRecord = {
    eventId: newEventId(),
    type: EVENT_TYPE,
    body: '{"id":"42","type":"contact.updated"}',
    receivedAt: at(receivedAt),
    sourceMessageId: 'msg-1',
    subscriptionIds: Array.from({ length: subscriptions }, () => newSubscriptionId()),
  };
  expect(await repo.putEventIfAbsent(event)).toBe(true);
  return event;
}

function originOf(event: EventRecord): DeliveryOrigin {
  return { eventType: event.type, createdAt: event.receivedAt };
}

function idOf(event: EventRecord, index: number): string {
  return deliveryIdOf(event.eventId, event.subscriptionIds[index]);
}

/** What the readers show for a delivery of the plan that no claim has stored yet. */
function planned(event: EventRecord, index: number): Delivery {
  return {
    deliveryId: idOf(event, index),
    eventId: event.eventId,
    subscriptionId: event.subscriptionIds[index],
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

function item(deliveryId: string) {
  return rawItem(doc, dynamo.tableNames.deliveries, { deliveryId });
}

function attemptRow(deliveryId: string, number: number) {
  return rawItem(doc, dynamo.tableNames.attempts, { deliveryId, attempt: number });
}

/** The first claim of delivery `index` of the event, at `at(now)` with a lease of one minute. */
async function claimFirst(event: EventRecord, index: number, now: number): Promise<Delivery> {
  const claimed = await repo.claimAttempt({ deliveryId: idOf(event, index), attempt: 1 }, at(now), at(now + 1), originOf(event));
  expect(claimed).toBeDefined();
  return claimed as Delivery;
}

async function claim(deliveryId: string, attempt: number, now: number): Promise<Delivery> {
  const claimed = await repo.claimAttempt({ deliveryId, attempt }, at(now), at(now + 1));
  expect(claimed).toBeDefined();
  return claimed as Delivery;
}

function delivered(deliveryId: string, number: number, overrides: Partial<Attempt> = {}): Attempt {
  return {
    deliveryId,
    number,
    trigger: number === 1 ? 'initial' : 'manual',
    startedAt: at(number),
    durationMs: 87,
    outcome: 'delivered',
    statusCode: 200,
    responseBody: '{"ok":true}',
    ...overrides,
  };
}

function failed(deliveryId: string, number: number, overrides: Partial<Attempt> = {}): Attempt {
  return {
    deliveryId,
    number,
    trigger: number === 1 ? 'initial' : 'retry',
    startedAt: at(number),
    durationMs: 120,
    outcome: 'http_status',
    statusCode: 500,
    error: 'HTTP 500',
    responseBody: 'Internal Server Error',
    ...overrides,
  };
}

async function overdueIds(dueBefore: string): Promise<string[]> {
  return (await repo.listOverdue(dueBefore, 1000)).map((delivery) => delivery.deliveryId);
}

/** A paused delivery as ingest writes it for a subscription disabled at fan-out. */
async function storePaused(event: EventRecord, index: number): Promise<Delivery> {
  const paused = newDelivery(event.eventId, event.subscriptionIds[index], {
    eventType: event.type,
    status: 'paused',
    statusReason: 'subscription disabled',
    createdAt: event.receivedAt,
    updatedAt: event.receivedAt,
    completedAt: event.receivedAt,
    nextAttemptAt: undefined,
    nextTrigger: undefined,
  });
  await repo.storeDeliveries([paused]);
  return paused;
}

describe('the first claim stores the delivery', () => {
  it('creates the item from the origin: its event type, its creation time, and a TTL counted from it', async () => {
    const event = await storedEvent(2, 10);
    expect(await item(idOf(event, 0))).toBeUndefined();

    const claimed = await repo.claimAttempt({ deliveryId: idOf(event, 0), attempt: 1 }, at(11), at(12), originOf(event));
    expect(claimed).toEqual({ ...planned(event, 0), attemptCount: 1, leaseUntil: at(12), updatedAt: at(11) });
    expect(await repo.get(idOf(event, 0))).toEqual(claimed);

    const raw = await item(idOf(event, 0));
    expect(raw).toMatchObject({ deliveryId: idOf(event, 0), eventType: EVENT_TYPE, createdAt: at(10) });
    expect(raw?.expiresAt).toBe(epochSecondsAfterRetention(at(10)));
    // A first attempt is not watched by the pending index: the fan-out log covers it.
    expect(raw).not.toHaveProperty('pendingShard');
    // The other delivery of the plan is still only planned.
    expect(await item(idOf(event, 1))).toBeUndefined();
    expect(await repo.get(idOf(event, 1))).toEqual(planned(event, 1));
  });

  it('refuses to claim a delivery paused at fan-out and leaves its item as it was', async () => {
    const event = await storedEvent(1);
    const paused = await storePaused(event, 0);
    const before = await item(paused.deliveryId);

    expect(await repo.claimAttempt({ deliveryId: paused.deliveryId, attempt: 1 }, at(1), at(2), originOf(event))).toBeUndefined();
    expect(await item(paused.deliveryId)).toEqual(before);
    expect(await repo.get(paused.deliveryId)).toEqual(paused);
  });

  it('creates nothing for a claim of attempt 2, or of attempt 1 without an origin, when no item exists', async () => {
    const event = await storedEvent(1);
    const deliveryId = idOf(event, 0);
    expect(await repo.claimAttempt({ deliveryId, attempt: 2 }, at(1), at(2), originOf(event))).toBeUndefined();
    expect(await repo.claimAttempt({ deliveryId, attempt: 1 }, at(1), at(2))).toBeUndefined();
    expect(await item(deliveryId)).toBeUndefined();
    expect(await repo.get(deliveryId)).toEqual(planned(event, 0));
  });

  it('refuses a second first claim while the lease is live; a takeover after it expired keeps the stored origin', async () => {
    const event = await storedEvent(1);
    const deliveryId = idOf(event, 0);
    const first = await claimFirst(event, 0, 1);

    expect(await repo.claimAttempt({ deliveryId, attempt: 1 }, at(1.5), at(2.5), originOf(event))).toBeUndefined();
    expect(await repo.get(deliveryId)).toEqual(first);

    // An origin that disagrees with the stored item changes nothing of it (the item keeps its own).
    const otherOrigin = { eventType: 'other.type', createdAt: at(500) };
    const takeover = await repo.claimAttempt({ deliveryId, attempt: 1 }, at(3), at(4), otherOrigin);
    expect(takeover).toEqual({ ...first, leaseUntil: at(4), updatedAt: at(3) });
    expect((await item(deliveryId))?.expiresAt).toBe(epochSecondsAfterRetention(event.receivedAt));
  });
});

describe('readers and planned deliveries', () => {
  it('get shows a planned delivery only for a subscription of the plan of a known event', async () => {
    const event = await storedEvent(2, 7);
    expect(await repo.get(idOf(event, 1))).toEqual(planned(event, 1));
    expect(await repo.get(deliveryIdOf(event.eventId, newSubscriptionId()))).toBeUndefined();
    expect(await repo.get(deliveryIdOf(newEventId(), event.subscriptionIds[0]))).toBeUndefined();
  });

  it('listByEvent shows stored deliveries as stored and the rest of the plan as planned, each once, by subscription', async () => {
    const event = await storedEvent(4, 3);
    const claimed = await claimFirst(event, 0, 4);
    const paused = await storePaused(event, 1);
    // The plan names every delivery of the event: the deliveries of an event are its plan, read by id.
    const expected = [claimed, paused, planned(event, 2), planned(event, 3)].sort((a, b) => (a.subscriptionId < b.subscriptionId ? -1 : 1));
    const listed = await repo.listByEvent(event.eventId);
    expect(listed).toEqual(expected);
    expect(new Set(listed.map((d) => d.deliveryId)).size).toBe(4);
  });

  it('listByEvent is empty for an unknown event', async () => {
    expect(await repo.listByEvent(newEventId())).toEqual([]);
  });

  it('listBySubscription lists a delivery only once a claim stored it', async () => {
    const event = await storedEvent(1, 20);
    const query = { subscriptionId: event.subscriptionIds[0], from: at(0), to: at(100) };
    expect((await repo.listBySubscription(query, 10)).items).toEqual([]);

    const claimed = await claimFirst(event, 0, 21);
    expect((await repo.listBySubscription(query, 10)).items).toEqual([claimed]);
    // Listed by its creation time, which is the event's receipt, not the claim.
    expect((await repo.listBySubscription({ ...query, from: at(20.5) }, 10)).items).toEqual([]);
  });
});

describe('completeAttempt and the inline delivered attempt', () => {
  it('keeps a delivered attempt with a short response on the delivery item and writes no attempt row', async () => {
    const event = await storedEvent(1);
    const deliveryId = idOf(event, 0);
    const claimed = await claimFirst(event, 0, 1);
    const attempt = delivered(deliveryId, 1, { startedAt: at(1), durationMs: 231, statusCode: 202, responseBody: 'accepted' });
    expect(await repo.completeAttempt(claimed, attempt, { status: 'delivered' }, at(1.1))).toBe(true);

    expect(await attemptRow(deliveryId, 1)).toBeUndefined();
    expect(await repo.listAttempts(deliveryId)).toEqual([attempt]);
    const raw = await item(deliveryId);
    expect(raw?.lastAttempt).toEqual({
      number: 1,
      outcome: 'delivered',
      statusCode: 202,
      startedAt: at(1),
      trigger: 'initial',
      durationMs: 231,
      responseBody: 'accepted',
    });
    expect(raw).not.toHaveProperty('pendingShard');
    // The delivery itself shows only the summary.
    expect(await repo.get(deliveryId)).toEqual({
      ...planned(event, 0),
      status: 'delivered',
      attemptCount: 1,
      updatedAt: at(1.1),
      completedAt: at(1.1),
      nextAttemptAt: undefined,
      nextTrigger: undefined,
      lastAttempt: { number: 1, outcome: 'delivered', statusCode: 202, startedAt: at(1) },
    });
  });

  it('round-trips every field of an inline attempt, including an error and a body of exactly 512 bytes', async () => {
    const event = await storedEvent(1);
    const deliveryId = idOf(event, 0);
    const claimed = await claimFirst(event, 0, 1);
    // 256 two-byte characters: 512 bytes, the most that is kept inline.
    const attempt = delivered(deliveryId, 1, { responseBody: 'é'.repeat(256), error: 'slow but fine', statusCode: 299 });
    expect(await repo.completeAttempt(claimed, attempt, { status: 'delivered' }, at(1.1))).toBe(true);
    expect(await attemptRow(deliveryId, 1)).toBeUndefined();
    expect(await repo.listAttempts(deliveryId)).toEqual([attempt]);
  });

  it('logs a delivered attempt whose response is longer than 512 bytes and keeps only its summary on the item', async () => {
    const event = await storedEvent(1);
    const deliveryId = idOf(event, 0);
    const claimed = await claimFirst(event, 0, 1);
    const attempt = delivered(deliveryId, 1, { responseBody: 'x'.repeat(600) });
    expect(await repo.completeAttempt(claimed, attempt, { status: 'delivered' }, at(1.1))).toBe(true);

    expect(await attemptRow(deliveryId, 1)).toMatchObject({ responseBody: 'x'.repeat(600), durationMs: 87 });
    expect((await item(deliveryId))?.lastAttempt).toEqual({ number: 1, outcome: 'delivered', statusCode: 200, startedAt: at(1) });
    expect(await repo.listAttempts(deliveryId)).toEqual([attempt]);
  });

  it('logs a 513-byte response (one byte over) as a row', async () => {
    const event = await storedEvent(1);
    const deliveryId = idOf(event, 0);
    const claimed = await claimFirst(event, 0, 1);
    const attempt = delivered(deliveryId, 1, { responseBody: `${'é'.repeat(256)}!` });
    expect(await repo.completeAttempt(claimed, attempt, { status: 'delivered' }, at(1.1))).toBe(true);
    expect(await attemptRow(deliveryId, 1)).toBeDefined();
    expect((await item(deliveryId))?.lastAttempt).not.toHaveProperty('durationMs');
  });

  it('logs a failed attempt as a row, with its TTL, and keeps only its summary on the item', async () => {
    const event = await storedEvent(1);
    const deliveryId = idOf(event, 0);
    const claimed = await claimFirst(event, 0, 1);
    const attempt = failed(deliveryId, 1);
    expect(await repo.completeAttempt(claimed, attempt, { status: 'failed' }, at(1.1))).toBe(true);

    expect(await attemptRow(deliveryId, 1)).toMatchObject({
      outcome: 'http_status',
      statusCode: 500,
      expiresAt: epochSecondsAfterRetention(at(1)),
    });
    expect((await item(deliveryId))?.lastAttempt).toEqual({
      number: 1,
      outcome: 'http_status',
      statusCode: 500,
      startedAt: at(1),
      error: 'HTTP 500',
    });
    expect(await repo.listAttempts(deliveryId)).toEqual([attempt]);
  });

  it('puts a delivery that waits for a retry into the pending index, so listOverdue finds it once due', async () => {
    const event = await storedEvent(1);
    const deliveryId = idOf(event, 0);
    const claimed = await claimFirst(event, 0, 1);
    expect(await overdueIds(at(1000))).not.toContain(deliveryId);

    expect(await repo.completeAttempt(claimed, failed(deliveryId, 1), { status: 'pending', nextAttemptAt: at(6) }, at(1.2))).toBe(true);
    expect((await item(deliveryId))?.pendingShard).toBe(pendingShardOf(deliveryId, PENDING_SHARDS));
    expect(await overdueIds(at(6))).not.toContain(deliveryId);
    const due = (await repo.listOverdue(at(6.5), 1000)).find((d) => d.deliveryId === deliveryId);
    expect(due).toMatchObject({ status: 'pending', attemptCount: 1, nextAttemptAt: at(6), nextTrigger: 'retry' });
    expect(due).not.toHaveProperty('leaseUntil');
  });

  it('takes a delivered delivery out of the pending index; the log row and the inline attempt list in order', async () => {
    const event = await storedEvent(1);
    const deliveryId = idOf(event, 0);
    const first = await claimFirst(event, 0, 1);
    const attempt1 = failed(deliveryId, 1);
    expect(await repo.completeAttempt(first, attempt1, { status: 'pending', nextAttemptAt: at(6) }, at(1.2))).toBe(true);
    expect(await overdueIds(at(7))).toContain(deliveryId);

    const second = await claim(deliveryId, 2, 7);
    const attempt2 = delivered(deliveryId, 2, { trigger: 'retry', startedAt: at(7) });
    expect(await repo.completeAttempt(second, attempt2, { status: 'delivered' }, at(7.1))).toBe(true);

    const raw = await item(deliveryId);
    expect(raw).not.toHaveProperty('pendingShard');
    expect(raw).not.toHaveProperty('nextAttemptAt');
    expect(await overdueIds(at(1000))).not.toContain(deliveryId);
    expect(await attemptRow(deliveryId, 2)).toBeUndefined();
    expect(await repo.listAttempts(deliveryId)).toEqual([attempt1, attempt2]);
  });

  it('still logs an inline-sized delivered attempt when the lease was taken over meanwhile', async () => {
    const event = await storedEvent(1);
    const deliveryId = idOf(event, 0);
    const slow = await claimFirst(event, 0, 1);
    const takeover = await claimFirst(event, 0, 3);
    const attempt = delivered(deliveryId, 1);
    expect(await repo.completeAttempt(slow, attempt, { status: 'delivered' }, at(3.5))).toBe(false);
    expect(await repo.get(deliveryId)).toEqual(takeover);
    expect(await attemptRow(deliveryId, 1)).toBeDefined();
    expect(await repo.listAttempts(deliveryId)).toEqual([attempt]);
  });
});

describe('restartBudget', () => {
  it('creates a planned delivery as a stored, pending, manual one in the pending index', async () => {
    const event = await storedEvent(2, 5);
    const before = planned(event, 0);
    const restarted = await repo.restartBudget(before, at(50));
    expect(restarted).toEqual({
      ...before,
      attemptCount: 0,
      budgetStart: 0,
      nextAttemptAt: at(50),
      nextTrigger: 'manual',
      updatedAt: at(50),
      budgetStartedAt: at(50),
    });
    expect(await repo.get(before.deliveryId)).toEqual(restarted);

    const raw = await item(before.deliveryId);
    expect(raw?.pendingShard).toBe(pendingShardOf(before.deliveryId, PENDING_SHARDS));
    expect(raw?.expiresAt).toBe(epochSecondsAfterRetention(at(5)));
    expect(await overdueIds(at(51))).toContain(before.deliveryId);
    // Stored now: the next claim needs no origin.
    expect(await repo.claimAttempt({ deliveryId: before.deliveryId, attempt: 1 }, at(50), at(51))).toMatchObject({
      attemptCount: 1,
      nextTrigger: 'manual',
    });
    // The other planned delivery of the event is untouched.
    expect(await item(idOf(event, 1))).toBeUndefined();
  });

  it('moves an inline delivered attempt to the attempt log before the next attempt overwrites it', async () => {
    const event = await storedEvent(1);
    const deliveryId = idOf(event, 0);
    const claimed = await claimFirst(event, 0, 1);
    const attempt1 = delivered(deliveryId, 1);
    expect(await repo.completeAttempt(claimed, attempt1, { status: 'delivered' }, at(1.1))).toBe(true);
    expect(await attemptRow(deliveryId, 1)).toBeUndefined();

    const restarted = await repo.restartBudget((await repo.get(deliveryId)) as Delivery, at(30));
    expect(restarted).toMatchObject({ status: 'pending', attemptCount: 1, budgetStart: 1, nextTrigger: 'manual', nextAttemptAt: at(30) });
    expect(restarted).not.toHaveProperty('completedAt');
    expect(await attemptRow(deliveryId, 1)).toMatchObject({ durationMs: 87, responseBody: '{"ok":true}', trigger: 'initial' });
    // In the log and still on the item: listed once.
    expect(await repo.listAttempts(deliveryId)).toEqual([attempt1]);

    const second = await claim(deliveryId, 2, 30);
    const attempt2 = delivered(deliveryId, 2, { startedAt: at(30), responseBody: 'thanks' });
    expect(await repo.completeAttempt(second, attempt2, { status: 'delivered' }, at(30.1))).toBe(true);
    expect(await attemptRow(deliveryId, 2)).toBeUndefined();
    expect(await repo.listAttempts(deliveryId)).toEqual([attempt1, attempt2]);
  });
});

describe('watchUnsettled', () => {
  it('watches planned and leased unwatched deliveries only, and returns exactly their ids', async () => {
    const event = await storedEvent(6, 0);
    // 0: planned. 1: first attempt claimed, not watched. 2: delivered. 3: paused at fan-out.
    // 4: waiting for a retry (watched). 5: stored pending and watched from the start (resend).
    const leased = await claimFirst(event, 1, 1);
    const done = await claimFirst(event, 2, 1);
    expect(await repo.completeAttempt(done, delivered(idOf(event, 2), 1), { status: 'delivered' }, at(1.1))).toBe(true);
    await storePaused(event, 3);
    const retrying = await claimFirst(event, 4, 1);
    expect(await repo.completeAttempt(retrying, failed(idOf(event, 4), 1), { status: 'pending', nextAttemptAt: at(6) }, at(1.2))).toBe(
      true,
    );
    expect(await repo.restartBudget(planned(event, 5), at(2))).toBeDefined();
    const untouched = await Promise.all([2, 3, 4, 5].map((index) => item(idOf(event, index))));

    const watched = await repo.watchUnsettled(event.eventId);
    expect(watched).toEqual([idOf(event, 0), idOf(event, 1)]);

    expect(await repo.get(idOf(event, 0))).toEqual(planned(event, 0));
    const plannedRaw = await item(idOf(event, 0));
    expect(plannedRaw).toMatchObject({
      deliveryId: idOf(event, 0),
      eventType: EVENT_TYPE,
      createdAt: event.receivedAt,
      nextAttemptAt: event.receivedAt,
      pendingShard: pendingShardOf(idOf(event, 0), PENDING_SHARDS),
      expiresAt: epochSecondsAfterRetention(event.receivedAt),
    });

    expect(await repo.get(idOf(event, 1))).toEqual({ ...leased, nextAttemptAt: at(2) });
    expect((await item(idOf(event, 1)))?.pendingShard).toBe(pendingShardOf(idOf(event, 1), PENDING_SHARDS));

    expect(await Promise.all([2, 3, 4, 5].map((index) => item(idOf(event, index))))).toEqual(untouched);

    const overdue = await overdueIds(at(2.5));
    expect(overdue).toContain(idOf(event, 0));
    expect(overdue).toContain(idOf(event, 1));
    expect(await overdueIds(at(2))).not.toContain(idOf(event, 1));
  });

  it('watches nothing the second time', async () => {
    const event = await storedEvent(2, 0);
    await claimFirst(event, 1, 1);
    expect(await repo.watchUnsettled(event.eventId)).toEqual([idOf(event, 0), idOf(event, 1)]);
    const after = await Promise.all([0, 1].map((index) => item(idOf(event, index))));
    expect(await repo.watchUnsettled(event.eventId)).toEqual([]);
    expect(await Promise.all([0, 1].map((index) => item(idOf(event, index))))).toEqual(after);
  });

  it('leaves a watched first attempt to its sender, which still completes it and takes it out of the index', async () => {
    const event = await storedEvent(1, 0);
    const deliveryId = idOf(event, 0);
    const leased = await claimFirst(event, 0, 1);
    expect(await repo.watchUnsettled(event.eventId)).toEqual([deliveryId]);
    expect(await repo.completeAttempt(leased, delivered(deliveryId, 1), { status: 'delivered' }, at(1.5))).toBe(true);
    expect(await item(deliveryId)).not.toHaveProperty('pendingShard');
    expect(await overdueIds(at(1000))).not.toContain(deliveryId);
  });

  it('lets the claim of a watched planned delivery take it, with no origin needed', async () => {
    const event = await storedEvent(1, 0);
    const deliveryId = idOf(event, 0);
    expect(await repo.watchUnsettled(event.eventId)).toEqual([deliveryId]);
    expect(await repo.claimAttempt({ deliveryId, attempt: 1 }, at(1), at(2))).toMatchObject({ attemptCount: 1, leaseUntil: at(2) });
  });

  it('returns nothing for an event with an empty plan', async () => {
    const event = await storedEvent(0);
    expect(await repo.watchUnsettled(event.eventId)).toEqual([]);
  });
});

describe('restartBudget guards', () => {
  it('restartBudget answers undefined for a delivery that is neither stored nor planned, and creates nothing', async () => {
    const unknownEvent = newDelivery(newEventId(), newSubscriptionId());
    expect(await repo.restartBudget(unknownEvent, at(5))).toBeUndefined();
    expect(await item(unknownEvent.deliveryId)).toBeUndefined();

    const event = await storedEvent(1);
    const outsidePlan = newDelivery(event.eventId, newSubscriptionId());
    expect(await repo.restartBudget(outsidePlan, at(5))).toBeUndefined();
    expect(await item(outsidePlan.deliveryId)).toBeUndefined();
  });

  it('restartBudget keeps an inline delivered attempt that completes between its read and its update', async () => {
    const event = await storedEvent(1);
    const deliveryId = idOf(event, 0);
    const claimed = await claimFirst(event, 0, 1);
    const attempt1 = delivered(deliveryId, 1);
    // A document client that lets the sender complete attempt 1 right after the restart read the item
    // (the lease was live then, so the read saw no inline attempt to move to the log).
    let raced = false;
    const racing = new Proxy(doc, {
      get(target, prop, receiver) {
        if (prop !== 'send') return Reflect.get(target, prop, receiver) as unknown;
        return async (command: unknown) => {
          const out = await (target.send as (c: unknown) => Promise<unknown>)(command);
          if (!raced && command instanceof GetCommand && command.input.TableName === dynamo.tableNames.deliveries) {
            raced = true;
            expect(await repo.completeAttempt(claimed, attempt1, { status: 'delivered' }, at(1.2))).toBe(true);
          }
          return out;
        };
      },
    });
    const racingRepo = new DynamoDeliveryRepository({ doc: racing, tables: dynamo.tableNames, retentionDays: RETENTION_DAYS });
    const restarted = await racingRepo.restartBudget(claimed, at(1.5));
    expect(raced).toBe(true);

    // Whether or not the restart went ahead, attempt 1 must survive the next completion.
    const attempt = (restarted?.attemptCount ?? 1) + 1;
    if (restarted) {
      const next = await claim(deliveryId, attempt, 2);
      expect(await repo.completeAttempt(next, delivered(deliveryId, attempt, { startedAt: at(2) }), { status: 'delivered' }, at(2.1))).toBe(
        true,
      );
    }
    expect((await repo.listAttempts(deliveryId)).map((a) => a.number)).toContain(1);
  });
});

describe('writes that must not lose what a sender did', () => {
  it('storing a paused delivery keeps one that a concurrent first claim already stored and delivered', async () => {
    const event = await storedEvent(1);
    const deliveryId = idOf(event, 0);
    const claimed = await claimFirst(event, 0, 1);
    expect(await repo.completeAttempt(claimed, delivered(deliveryId, 1), { status: 'delivered' }, at(1.1))).toBe(true);
    await storePaused(event, 0);
    expect(await item(deliveryId)).toMatchObject({ status: 'delivered', attemptCount: 1 });
  });

  it('logs a delivered attempt that was to be kept on the item when the completion write fails', async () => {
    const event = await storedEvent(1);
    const deliveryId = idOf(event, 0);
    const claimed = await claimFirst(event, 0, 1);
    const failing = new Proxy(doc, {
      get(target, prop, receiver) {
        if (prop !== 'send') return Reflect.get(target, prop, receiver) as unknown;
        return async (command: { input?: { UpdateExpression?: string } }) => {
          if (command.input?.UpdateExpression?.includes('completedAt'))
            throw Object.assign(new Error('timed out'), { name: 'TimeoutError' });
          return (target.send as (c: unknown) => Promise<unknown>)(command);
        };
      },
    });
    const failingRepo = new DynamoDeliveryRepository({ doc: failing, tables: dynamo.tableNames, retentionDays: RETENTION_DAYS });
    await expect(failingRepo.completeAttempt(claimed, delivered(deliveryId, 1), { status: 'delivered' }, at(1.1))).rejects.toThrow(
      'timed out',
    );
    expect(await attemptRow(deliveryId, 1)).toMatchObject({ outcome: 'delivered', statusCode: 200 });
  });
});
