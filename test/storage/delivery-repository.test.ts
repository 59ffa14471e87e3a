// Events, delivery creation and the read access patterns by id, by event and by subscription.
import { beforeAll, describe, expect, it } from 'vitest';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDeliveryRepository } from '../../lambdas/adapters/dynamo/delivery-repository';
import { deliveryIdOf, pendingShardOf } from '../../lambdas/domain/delivery-id';
import { ValidationError } from '../../lambdas/domain/errors';
import type { Delivery, EventRecord } from '../../lambdas/domain/types';
import { PENDING_SHARDS, SUBSCRIPTION_SHARDS } from '../../lambdas/storage/tables';
import { subscriptionShard } from '../../lambdas/adapters/dynamo/delivery-items';
import { PLAN_CHUNK_IDS, planChunkKey } from '../../lambdas/adapters/dynamo/event-plan';
import type { LocalDynamo } from '../support/dynalite';
import { at, epochSecondsAfterRetention, newDelivery, newEventId, newSubscriptionId, rawItem, useStorage } from './fixtures';

let dynamo: LocalDynamo;
let doc: DynamoDBDocumentClient;
let repo: DynamoDeliveryRepository;
useStorage('file', (storage) => ({ dynamo, doc, deliveries: repo } = storage));

function newEvent(overrides: Partial<EventRecord> = {}): EventRecord {
  return {
    eventId: newEventId(),
    type: 'donation',
    body: '{"id": "179",  "type":"donation","amount":12.50,"name":"Zoë"}\n',
    receivedAt: at(0),
    sourceMessageId: 'msg-1',
    subscriptionIds: [newSubscriptionId(), newSubscriptionId()],
    ...overrides,
  };
}

describe('events', () => {
  it('stores an event once: the second put of the same id is refused and changes nothing', async () => {
    const event = newEvent();
    expect(await repo.putEventIfAbsent(event)).toBe(true);
    expect(await repo.putEventIfAbsent({ ...event, body: '{"other":true}', subscriptionIds: [] })).toBe(false);
    expect(await repo.getEvent(event.eventId)).toEqual(event);
  });

  it('keeps the body byte for byte and an empty fan-out plan', async () => {
    const event = newEvent({ body: '{ "type" : "x",\t"n": 1.000 , "emoji": "\u{1F600}" }', subscriptionIds: [] });
    await repo.putEventIfAbsent(event);
    const stored = await repo.getEvent(event.eventId);
    expect(stored?.body).toBe(event.body);
    expect(stored?.subscriptionIds).toEqual([]);
  });

  it('expires an event after the retention period, counted from its receipt', async () => {
    const event = newEvent({ receivedAt: at(90) });
    await repo.putEventIfAbsent(event);
    const item = await rawItem(doc, dynamo.tableNames.events, { eventId: event.eventId });
    expect(item?.expiresAt).toBe(epochSecondsAfterRetention(at(90)));
  });

  it('answers undefined for an unknown event', async () => {
    expect(await repo.getEvent(newEventId())).toBeUndefined();
  });
});

describe('creating deliveries', () => {
  it('writes 60 deliveries (more than one batch) and lists them by event, ordered by subscription', async () => {
    const eventId = newEventId();
    const deliveries = Array.from({ length: 60 }, () => newDelivery(eventId, newSubscriptionId(), { status: 'paused' }));
    // The event's plan names its deliveries: listing by event reads them by id.
    await repo.putEventIfAbsent(newEvent({ eventId, receivedAt: at(0), subscriptionIds: deliveries.map((d) => d.subscriptionId) }));
    await repo.storeDeliveries(deliveries);

    const listed = await repo.listByEvent(eventId);
    const bySubscription = [...deliveries].sort((a, b) => (a.subscriptionId < b.subscriptionId ? -1 : 1));
    expect(listed).toEqual(bySubscription);
  });

  it('writes nothing for an empty list', async () => {
    await repo.storeDeliveries([]);
  });

  it('stores the delivery id, an expiry and, while pending, its pending shard', async () => {
    const delivery = newDelivery(newEventId(), newSubscriptionId(), { createdAt: at(15) });
    await repo.storeDeliveries([delivery]);
    const item = await rawItem(doc, dynamo.tableNames.deliveries, { deliveryId: delivery.deliveryId });
    expect(item?.deliveryId).toBe(delivery.deliveryId);
    expect(item?.expiresAt).toBe(epochSecondsAfterRetention(at(15)));
    expect(item?.pendingShard).toBe(pendingShardOf(delivery.deliveryId, PENDING_SHARDS));
  });

  it('puts a finished delivery outside the pending index', async () => {
    const delivery = newDelivery(newEventId(), newSubscriptionId(), {
      status: 'delivered',
      nextAttemptAt: undefined,
      nextTrigger: undefined,
      completedAt: at(1),
    });
    await repo.storeDeliveries([delivery]);
    const item = await rawItem(doc, dynamo.tableNames.deliveries, { deliveryId: delivery.deliveryId });
    expect(item).not.toHaveProperty('pendingShard');
    expect(item).not.toHaveProperty('nextAttemptAt');
  });
});

describe('reading deliveries', () => {
  it('reads a delivery by id with every optional field intact', async () => {
    const delivery = newDelivery(newEventId(), newSubscriptionId(), {
      attemptCount: 3,
      budgetStart: 1,
      nextTrigger: 'retry',
      leaseUntil: at(2),
      lastAttempt: { number: 3, outcome: 'http_status', statusCode: 503, startedAt: at(1), error: 'HTTP 503' },
      statusReason: 'resent',
    });
    await repo.storeDeliveries([delivery]);
    expect(await repo.get(delivery.deliveryId)).toEqual(delivery);
  });

  it('answers undefined for an unknown or malformed delivery id', async () => {
    expect(await repo.get(deliveryIdOf(newEventId(), newSubscriptionId()))).toBeUndefined();
    expect(await repo.get('no-dot-here')).toBeUndefined();
    expect(await repo.get('evt.sub_NOT-A-SUBSCRIPTION')).toBeUndefined();
  });

  it('reads many by id: the ones that exist, in the order asked, across several batches', async () => {
    const eventId = newEventId();
    const deliveries = Array.from({ length: 130 }, () => newDelivery(eventId, newSubscriptionId()));
    await repo.storeDeliveries(deliveries);
    const wanted = [...deliveries].reverse();
    const ids = [deliveryIdOf(newEventId(), newSubscriptionId()), ...wanted.map((d) => d.deliveryId), 'malformed', wanted[0].deliveryId];
    expect(await repo.getMany(ids)).toEqual(wanted);
    expect(await repo.getMany([])).toEqual([]);
  });

  it('lists the deliveries of an event whose id contains dots', async () => {
    const eventId = 'crm.contact.179';
    const deliveries = [newDelivery(eventId, newSubscriptionId()), newDelivery(eventId, newSubscriptionId())];
    await repo.putEventIfAbsent(newEvent({ eventId, receivedAt: at(0), subscriptionIds: deliveries.map((d) => d.subscriptionId) }));
    await repo.storeDeliveries(deliveries);
    const listed = await repo.listByEvent(eventId);
    expect(listed.map((d) => d.deliveryId).sort()).toEqual(deliveries.map((d) => d.deliveryId).sort());
    expect(await repo.listByEvent(newEventId())).toEqual([]);
  });
});

describe('deliveries by subscription and creation time', () => {
  const subscriptionId = newSubscriptionId();
  const statuses = ['failed', 'delivered', 'failed', 'pending', 'failed', 'failed', 'delivered', 'failed'] as const;
  // Minutes 0..70 step 10, created in shuffled order so the index, not the insertion, orders them.
  const deliveries: Delivery[] = statuses.map((status, i) => newDelivery(newEventId(), subscriptionId, { createdAt: at(i * 10), status }));

  beforeAll(async () => {
    const shuffled = [
      deliveries[5],
      deliveries[0],
      deliveries[7],
      deliveries[2],
      deliveries[6],
      deliveries[1],
      deliveries[4],
      deliveries[3],
    ];
    await repo.storeDeliveries(shuffled);
    // Same window, another subscription: must never show up.
    await repo.storeDeliveries([newDelivery(newEventId(), newSubscriptionId(), { createdAt: at(20) })]);
  });

  async function readAll(query: Parameters<DynamoDeliveryRepository['listBySubscription']>[0], limit: number) {
    const pages: Delivery[][] = [];
    let cursor: string | undefined;
    do {
      const page = await repo.listBySubscription(query, limit, cursor);
      pages.push(page.items);
      cursor = page.cursor;
    } while (cursor !== undefined && pages.length < 20);
    return pages;
  }

  it('returns the window inclusive of both bounds, oldest first, in one page', async () => {
    const page = await repo.listBySubscription({ subscriptionId, from: at(10), to: at(50) }, 100);
    expect(page.items).toEqual(deliveries.slice(1, 6));
    expect(page.cursor).toBeUndefined();
  });

  it('pages through the window with a cursor', async () => {
    const pages = await readAll({ subscriptionId, from: at(0), to: at(70) }, 3);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 2]);
    expect(pages.flat()).toEqual(deliveries);
  });

  it('filters by status across pages', async () => {
    const pages = await readAll({ subscriptionId, from: at(0), to: at(70), status: 'failed' }, 2);
    expect(pages.flat()).toEqual(deliveries.filter((d) => d.status === 'failed'));
  });

  it('returns an empty page for a window with no deliveries', async () => {
    expect(await repo.listBySubscription({ subscriptionId, from: at(500), to: at(600) }, 10)).toEqual({ items: [] });
  });

  it('rejects a malformed cursor or one from another query', async () => {
    const query = { subscriptionId, from: at(0), to: at(70) };
    const first = await repo.listBySubscription(query, 2);
    expect(first.cursor).toBeDefined();
    const bad = ['not base64 json!', Buffer.from('[1,2]').toString('base64url'), Buffer.from('{"subscriptionId":1}').toString('base64url')];
    for (const cursor of bad) {
      await expect(repo.listBySubscription(query, 2, cursor)).rejects.toThrow(new ValidationError('cursor is invalid'));
    }
    const otherSubscription = { ...query, subscriptionId: newSubscriptionId() };
    await expect(repo.listBySubscription(otherSubscription, 2, first.cursor)).rejects.toBeInstanceOf(ValidationError);
    const otherWindow = { ...query, from: at(40) };
    await expect(repo.listBySubscription(otherWindow, 2, first.cursor)).rejects.toBeInstanceOf(ValidationError);
  });

  it('rejects a limit that is not a positive integer', async () => {
    await expect(repo.listBySubscription({ subscriptionId, from: at(0), to: at(70) }, 0)).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('a subscription with many deliveries at one instant, over every shard of its index partition', () => {
  const subscriptionId = newSubscriptionId();
  // One ingest batch gives its events one receipt time: 45 deliveries of one subscription at one instant.
  const deliveries = Array.from({ length: 45 }, (_, i) =>
    newDelivery(`burst-${String(i).padStart(2, '0')}`, subscriptionId, { createdAt: at(5), status: i % 3 === 0 ? 'failed' : 'delivered' }),
  );
  const byKey = [...deliveries].sort((a, b) => (a.deliveryId < b.deliveryId ? -1 : 1));

  beforeAll(async () => {
    await repo.storeDeliveries(deliveries);
  });

  it('spreads them over the shards, and pages through all of them once each, in creation then id order', async () => {
    const shards = new Set(deliveries.map((d) => subscriptionShard(d.deliveryId, subscriptionId)));
    expect(shards.size).toBeGreaterThan(SUBSCRIPTION_SHARDS / 2);
    const seen: Delivery[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await repo.listBySubscription({ subscriptionId, from: at(5), to: at(5) }, 7, cursor);
      expect(page.items.length).toBeLessThanOrEqual(7);
      seen.push(...page.items);
      cursor = page.cursor;
      pages += 1;
    } while (cursor !== undefined && pages < 20);
    expect(pages).toBe(7);
    expect(seen).toEqual(byKey);
  });

  it('filters by status across the shards', async () => {
    const page = await repo.listBySubscription({ subscriptionId, from: at(0), to: at(10), status: 'failed' }, 100);
    expect(page.items).toEqual(byKey.filter((d) => d.status === 'failed'));
    expect(page.cursor).toBeUndefined();
  });
});

describe('an event to 50,000 subscriptions: its plan in chunk items', () => {
  const subscriptionIds = Array.from({ length: 50_000 }, () => newSubscriptionId());
  const event = newEvent({ subscriptionIds });

  beforeAll(async () => {
    expect(await repo.putEventIfAbsent(event)).toBe(true);
  });

  it('stores the plan whole, in order, with every item far under the 400 KB item limit and each chunk under a key of its own', async () => {
    expect(await repo.getEvent(event.eventId)).toEqual(event);
    const stored = await rawItem(doc, dynamo.tableNames.events, { eventId: event.eventId });
    expect(stored).toMatchObject({ planChunks: Math.ceil(50_000 / PLAN_CHUNK_IDS), planSize: 50_000, body: event.body });
    expect(stored).not.toHaveProperty('subscriptionIds');
    expect(JSON.stringify(stored).length).toBeLessThan(2_000);
    const chunk = await rawItem(doc, dynamo.tableNames.events, { eventId: planChunkKey(event.eventId, stored!.planId as string, 49) });
    expect(chunk?.subscriptionIds).toEqual(subscriptionIds.slice(49_000));
    expect(JSON.stringify(chunk).length).toBeLessThan(30_000);
    expect(chunk?.expiresAt).toBe(stored?.expiresAt);
  });

  it('keeps the first plan when the event comes again with another one', async () => {
    expect(await repo.putEventIfAbsent({ ...event, subscriptionIds: subscriptionIds.slice(0, 20_000).reverse() })).toBe(false);
    expect((await repo.getEvent(event.eventId))?.subscriptionIds).toEqual(subscriptionIds);
  });

  it('reads a planned delivery of it by id, and gives the event body alone to an attempt', async () => {
    const last = deliveryIdOf(event.eventId, subscriptionIds[49_999]);
    expect(await repo.get(last)).toMatchObject({ deliveryId: last, status: 'pending', attemptCount: 0 });
    expect(await repo.getEventBody(event.eventId)).toEqual({
      eventId: event.eventId,
      type: event.type,
      body: event.body,
      receivedAt: event.receivedAt,
    });
  });
});
