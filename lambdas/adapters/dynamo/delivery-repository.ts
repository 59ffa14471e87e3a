import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { deliveryIdOf, deliveryKeyOf as parsedDeliveryKeyOf } from '../../domain/delivery-id';
import { canWatch, hasLiveLease, pauseCondition } from '../../domain/delivery-lifecycle';
import { mapLimited } from '../../domain/map-limited';
import { plannedDelivery } from '../../domain/planned-delivery';
import type { AttemptConclusion, DeliveryOrigin, DeliveryQuery, DeliveryRepository, Page, Postponement } from '../../domain/ports';
import type { Attempt, Delivery, DeliveryWakeup, EventBody, EventRecord } from '../../domain/types';
import { isConditionalCheckFailed } from './aws-errors';
import { batchGet } from './batch';
import { eventItemsOf, planOf, putPlanChunks } from './event-plan';
import { queryAll } from './query-all';
import {
  attemptFromItem,
  attemptToItem,
  deliveryFromItem,
  deliveryKeyOf,
  deliveryStateOf,
  deliveryToItem,
  eventFromItem,
  fitsOnDelivery,
  inlineAttemptOf,
  type DeliveryKey,
} from './delivery-items';
import { DeliveryReader } from './delivery-reader';
import {
  claimUpdate,
  closeUpdate,
  completeUpdate,
  deferUpdate,
  postponeUpdate,
  restartUpdate,
  releaseUpdate,
  watchUpdate,
  type Creation,
} from './delivery-updates';
import { compact, expiresAtOf, optionalString, type Item } from './item';
import type { TableNames } from './table-names';

/** Conditional writes of one call in flight at once (watching an event's deliveries, storing paused ones). */
const WRITE_CONCURRENCY = 8;

/** Reads and conditional updates a resend tries while senders keep changing the delivery. */
const RESTART_TRIES = 3;

export interface DynamoDeliveryRepositoryOptions {
  doc: DynamoDBDocumentClient;
  tables: Pick<TableNames, 'events' | 'deliveries' | 'attempts'>;
  /** Items expire this many days after the event was received / the delivery created / the attempt started. */
  retentionDays: number;
}

/**
 * Deliveries keyed by (eventId, subscriptionId). A delivery id that does not parse names no delivery:
 * lookups and conditional writes answer "absent" for it rather than failing, since it cannot exist.
 */
export class DynamoDeliveryRepository implements DeliveryRepository {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tables: DynamoDeliveryRepositoryOptions['tables'];
  private readonly retentionDays: number;
  private readonly reader: DeliveryReader;

  constructor(options: DynamoDeliveryRepositoryOptions) {
    this.doc = options.doc;
    this.tables = options.tables;
    this.retentionDays = options.retentionDays;
    this.reader = new DeliveryReader(options.doc, options.tables.deliveries);
  }

  /** A large plan's chunks first: once the event item is there, every chunk it names is too. */
  async putEventIfAbsent(event: EventRecord): Promise<boolean> {
    const items = eventItemsOf(event, this.retentionDays);
    await putPlanChunks(this.doc, this.tables.events, items.chunks);
    return this.putIf(this.tables.events, items.event, 'attribute_not_exists(eventId)');
  }

  async getEvent(eventId: string, consistent = true): Promise<EventRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tables.events, Key: { eventId }, ConsistentRead: consistent }));
    return out.Item ? eventFromItem(out.Item, await planOf(this.doc, this.tables.events, out.Item)) : undefined;
  }

  /**
   * Eventually consistent first (half the read units; an event item never changes once written),
   * strongly consistent only when that read comes too soon after the write to see the item.
   */
  async getEventBody(eventId: string): Promise<EventBody | undefined> {
    const input = { TableName: this.tables.events, Key: { eventId }, ProjectionExpression: 'eventId, #type, body, receivedAt' };
    const names = { ExpressionAttributeNames: { '#type': 'type' } };
    const item =
      (await this.doc.send(new GetCommand({ ...input, ...names }))).Item ??
      (await this.doc.send(new GetCommand({ ...input, ...names, ConsistentRead: true }))).Item;
    return (
      item && {
        eventId: item.eventId as string,
        type: item.type as string,
        body: item.body as string,
        receivedAt: item.receivedAt as string,
      }
    );
  }

  async storeDeliveries(deliveries: Delivery[]): Promise<void> {
    await mapLimited(deliveries, WRITE_CONCURRENCY, (delivery) =>
      this.putIf(this.tables.deliveries, deliveryToItem(delivery, this.retentionDays), pauseCondition().expression),
    );
  }

  async get(deliveryId: string): Promise<Delivery | undefined> {
    return (await this.reader.get(deliveryId)) ?? this.plannedOf(deliveryId);
  }

  async getMany(deliveryIds: string[]): Promise<Delivery[]> {
    const stored = await this.reader.getMany(deliveryIds);
    const found = new Set(stored.map((delivery) => delivery.deliveryId));
    const missing = [...new Set(deliveryIds)].filter((id) => !found.has(id));
    // Rare (a delivery not attempted yet, or a wrong id): each event read once, its plan may be large.
    const byEvent = new Map<string, string[]>();
    for (const id of missing) {
      const pair = parsedDeliveryKeyOf(id);
      if (pair) byEvent.set(pair.eventId, [...(byEvent.get(pair.eventId) ?? []), pair.subscriptionId]);
    }
    const planned = (
      await mapLimited([...byEvent], WRITE_CONCURRENCY, async ([eventId, subscriptionIds]) => {
        const event = await this.getEvent(eventId);
        const plan = new Set(event?.subscriptionIds);
        return event ? subscriptionIds.filter((id) => plan.has(id)).map((id) => plannedDelivery(event, id)) : [];
      })
    ).flat();
    const byId = new Map([...stored, ...planned].map((delivery) => [delivery.deliveryId, delivery]));
    return [...new Set(deliveryIds)].flatMap((id) => byId.get(id) ?? []);
  }

  async listByEvent(eventId: string, known?: EventRecord): Promise<Delivery[]> {
    const event = known ?? (await this.getEvent(eventId));
    if (!event) return [];
    // Every delivery of an event is in its plan: those stored, and the planned ones not attempted yet.
    const ids = event.subscriptionIds.map((subscriptionId) => deliveryIdOf(event.eventId, subscriptionId));
    const stored = new Map((await this.reader.getMany(ids)).map((delivery) => [delivery.subscriptionId, delivery]));
    const all = event.subscriptionIds.map((id) => stored.get(id) ?? plannedDelivery(event, id));
    return all.sort((a, b) => (a.subscriptionId < b.subscriptionId ? -1 : a.subscriptionId > b.subscriptionId ? 1 : 0));
  }

  listBySubscription(query: DeliveryQuery, limit: number, cursor?: string): Promise<Page<Delivery>> {
    return this.reader.listBySubscription(query, limit, cursor);
  }

  listOverdue(dueBefore: string, limit: number): Promise<Delivery[]> {
    return this.reader.listOverdue(dueBefore, limit);
  }

  async watchUnsettled(eventId: string): Promise<string[]> {
    const event = await this.getEvent(eventId, false);
    if (!event) return [];
    const ids = event.subscriptionIds.map((subscriptionId) => deliveryIdOf(event.eventId, subscriptionId));
    const items = await batchGet(
      this.doc,
      this.tables.deliveries,
      ids.map((deliveryId) => ({ deliveryId })),
      false,
    );
    const stored = new Map(items.map((item) => [item.deliveryId as string, item]));
    // Settled or already watched deliveries need nothing; the condition re-checks what this read saw.
    const unwatched = ids.filter((deliveryId) => {
      const item = stored.get(deliveryId);
      return canWatch(item && deliveryStateOf(item));
    });
    const origin = { eventType: event.type, createdAt: event.receivedAt };
    // A few at a time: after a backlog an event of 1000 subscriptions may need as many updates.
    const watched = await mapLimited(unwatched, WRITE_CONCURRENCY, async (deliveryId) => {
      const update = watchUpdate(this.tables.deliveries, { deliveryId }, this.creation(deliveryId, origin));
      return (await this.tryUpdate(update)) !== undefined ? [deliveryId] : [];
    });
    return watched.flat();
  }

  async claimAttempt(wakeup: DeliveryWakeup, now: string, leaseUntil: string, origin?: DeliveryOrigin): Promise<Delivery | undefined> {
    const key = deliveryKeyOf(wakeup.deliveryId);
    if (!key) return undefined;
    const creation = origin && wakeup.attempt === 1 ? this.creation(wakeup.deliveryId, origin) : undefined;
    const item = await this.tryUpdate(claimUpdate(this.tables.deliveries, key, wakeup, now, leaseUntil, creation));
    return item && deliveryFromItem(item);
  }

  async postponeAttempt(
    wakeup: DeliveryWakeup,
    postponement: Postponement,
    origin?: DeliveryOrigin,
  ): Promise<Pick<Delivery, 'deferredSince' | 'deferReason'> | undefined> {
    const key = deliveryKeyOf(wakeup.deliveryId);
    if (!key) return undefined;
    // A planned delivery is created only when its event is recent enough for the deferral to end before its horizon.
    const creates = origin !== undefined && wakeup.attempt === 1 && origin.createdAt > postponement.budgetStartedAfter;
    const creation = creates ? this.creation(wakeup.deliveryId, origin) : undefined;
    const before = await this.tryUpdate(postponeUpdate(this.tables.deliveries, key, wakeup, postponement, creation));
    if (!before) return undefined;
    return compact({ deferredSince: optionalString(before, 'deferredSince'), deferReason: optionalString(before, 'deferReason') });
  }

  async release(deliveryId: string, at: string, now: string): Promise<DeliveryWakeup | undefined> {
    const item = await this.tryUpdate(releaseUpdate(this.tables.deliveries, deliveryId, at, now));
    return item && { deliveryId, attempt: (item.attemptCount as number) + 1 };
  }

  async endLease(wakeup: DeliveryWakeup, now: string): Promise<boolean> {
    const key = deliveryKeyOf(wakeup.deliveryId);
    if (!key) return false;
    // A claim takes an expired lease when `leaseUntil < :now`: one millisecond before now is expired for any later claim.
    const ended = new Date(Date.parse(now) - 1).toISOString();
    const item = await this.tryUpdate({
      TableName: this.tables.deliveries,
      Key: key,
      ConditionExpression: '#status = :pending AND attemptCount = :n AND leaseUntil > :now',
      UpdateExpression: 'SET leaseUntil = :ended',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':pending': 'pending', ':n': wakeup.attempt, ':now': now, ':ended': ended },
    });
    return item !== undefined;
  }

  async completeAttempt(delivery: Delivery, attempt: Attempt, conclusion: AttemptConclusion, now: string): Promise<boolean> {
    // Without a lease the caller never claimed this attempt, so it cannot still hold it.
    if (delivery.leaseUntil === undefined) return false;
    const inline = conclusion.status === 'delivered' && fitsOnDelivery(attempt);
    // The log first: an attempt that reached the receiver is recorded even if the delivery was
    // taken over meanwhile. A delivered one that fits is recorded by the completion itself.
    if (!inline) await this.logAttempt(attempt);
    let completed: boolean;
    try {
      completed = (await this.tryUpdate(completeUpdate(this.tables.deliveries, delivery, attempt, conclusion, now, inline))) !== undefined;
    } catch (error) {
      // The completion was to be its only record: keep the attempt in the log before giving up.
      if (inline) await this.logAttempt(attempt);
      throw error;
    }
    if (inline && !completed) await this.logAttempt(attempt);
    return completed;
  }

  async closeWithoutAttempt(delivery: Delivery, status: 'failed' | 'paused', reason: string, now: string): Promise<boolean> {
    if (delivery.leaseUntil === undefined) return false;
    return (await this.tryUpdate(closeUpdate(this.tables.deliveries, delivery, status, reason, now))) !== undefined;
  }

  async deferClaimed(delivery: Delivery, until: string, reason: string, now: string): Promise<boolean> {
    if (delivery.leaseUntil === undefined) return false;
    return (await this.tryUpdate(deferUpdate(this.tables.deliveries, delivery, until, reason, now))) !== undefined;
  }

  async restartBudget(delivery: Delivery, now: string): Promise<Delivery | undefined> {
    const key = deliveryKeyOf(delivery.deliveryId);
    if (!key) return undefined;
    // Read, then update on condition that nothing changed since: a sender concluding in between
    // makes the update fail, and the loop looks again.
    for (let tries = 0; tries < RESTART_TRIES; tries += 1) {
      const stored = await this.storedItem(key);
      if (stored) {
        if (hasLiveLease(deliveryStateOf(stored), now)) return undefined;
        // The next completion overwrites `lastAttempt`: a delivered attempt kept there moves to the log first.
        const kept = inlineAttemptOf(stored);
        if (kept) await this.logAttempt(kept);
      } else if (!(await this.plannedOf(delivery.deliveryId))) {
        return undefined;
      }
      const origin = { eventType: delivery.eventType, createdAt: delivery.createdAt };
      const update = restartUpdate(
        this.tables.deliveries,
        key,
        this.creation(delivery.deliveryId, origin),
        now,
        stored?.updatedAt as string | undefined,
      );
      const item = await this.tryUpdate(update);
      if (item) return deliveryFromItem(item);
    }
    return undefined;
  }

  async listAttempts(deliveryId: string): Promise<Attempt[]> {
    const key = deliveryKeyOf(deliveryId);
    const [items, stored] = await Promise.all([
      queryAll(this.doc, {
        TableName: this.tables.attempts,
        KeyConditionExpression: 'deliveryId = :d',
        ExpressionAttributeValues: { ':d': deliveryId },
        ScanIndexForward: true,
        ConsistentRead: true,
      }),
      key && this.storedItem(key),
    ]);
    const attempts = items.map(attemptFromItem);
    const kept = stored && inlineAttemptOf(stored);
    if (kept && !attempts.some((attempt) => attempt.number === kept.number)) attempts.push(kept);
    return attempts.sort((a, b) => a.number - b.number);
  }

  /** The delivery item as stored (with what the domain's Delivery leaves out: a kept attempt, `updatedAt` for conditions). */
  private async storedItem(key: DeliveryKey): Promise<Item | undefined> {
    return (await this.doc.send(new GetCommand({ TableName: this.tables.deliveries, Key: key, ConsistentRead: true }))).Item;
  }

  /** The delivery its event's plan promises under this id, for when no item is stored for it. */
  private async plannedOf(deliveryId: string): Promise<Delivery | undefined> {
    const pair = parsedDeliveryKeyOf(deliveryId);
    const event = pair && (await this.getEvent(pair.eventId));
    return event && pair && event.subscriptionIds.includes(pair.subscriptionId) ? plannedDelivery(event, pair.subscriptionId) : undefined;
  }

  private async logAttempt(attempt: Attempt): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tables.attempts, Item: attemptToItem(attempt, this.retentionDays) }));
  }

  private creation(deliveryId: string, origin: DeliveryOrigin): Creation {
    return { deliveryId, origin, expiresAt: expiresAtOf(origin.createdAt, this.retentionDays) };
  }

  /** A put on a condition without placeholders; false when it did not hold. */
  private async putIf(tableName: string, item: Item, condition: string): Promise<boolean> {
    try {
      await this.doc.send(new PutCommand({ TableName: tableName, Item: item, ConditionExpression: condition }));
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** Runs a conditional update: the attributes it returned, or undefined when the condition did not hold. */
  private async tryUpdate(input: UpdateCommandInput): Promise<Item | undefined> {
    try {
      return (await this.doc.send(new UpdateCommand(input))).Attributes ?? {};
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }
}
