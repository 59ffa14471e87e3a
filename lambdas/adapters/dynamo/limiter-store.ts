// The limiter store in DynamoDB: small items in the limits table, each changed by one conditional
// UpdateItem. `slot#<subscription>#<k>`: who holds concurrency slot k and until when. `line#<subscription>`:
// the end of the subscription's line of send times (`tat`) and of its wait line (`wake`). Every item
// expires by TTL a day after its last use. A failed condition brings the item back with the error
// (ReturnValuesOnConditionCheckFailure), so learning who holds a slot costs no read; a store that
// does not return it (dynalite) is read instead.
import { DeleteCommand, GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LimiterStore, SendReservation, SlotLease } from '../../domain/limiter-store';
import { TTL_ATTRIBUTE } from '../../storage/tables';
import { isConditionalCheckFailed } from './aws-errors';
import type { Item } from './item';

export interface DynamoLimiterStoreOptions {
  doc: DynamoDBDocumentClient;
  tableName: string;
}

const DAY_S = 86_400;
/** Conditional writes that lose a race are tried again with what they learnt; a few suffice. */
const MAX_TRIES = 5;

const slotKey = (subscriptionId: string, slot: number) => ({ key: `slot#${subscriptionId}#${slot}` });
const lineKey = (subscriptionId: string) => ({ key: `line#${subscriptionId}` });
const expiry = (ms: number) => Math.ceil(ms / 1000) + DAY_S;

export class DynamoLimiterStore implements LimiterStore {
  private readonly seenEnds = new Map<string, number>();

  constructor(private readonly options: DynamoLimiterStoreOptions) {}

  async leaseSlot(subscriptionId: string, slot: number, owner: string, now: number, until: number): Promise<SlotLease> {
    const key = slotKey(subscriptionId, slot);
    const result = await this.conditionalUpdate(key, {
      UpdateExpression: 'SET #owner = :owner, #until = :until, #ttl = :ttl',
      ConditionExpression: 'attribute_not_exists(#key) OR #until <= :now OR #owner = :owner',
      ExpressionAttributeNames: { '#key': 'key', '#owner': 'owner', '#until': 'until', '#ttl': TTL_ATTRIBUTE },
      ExpressionAttributeValues: { ':owner': owner, ':until': until, ':now': now, ':ttl': expiry(until) },
    });
    if (result.written) return { taken: true };
    // Read back only when the store did not say: the item is there and held by another.
    const item = result.item ?? (await this.read(key));
    return { taken: false, heldUntil: numberOf(item?.until) ?? now };
  }

  async releaseSlot(subscriptionId: string, slot: number, owner: string): Promise<void> {
    try {
      await this.options.doc.send(
        new DeleteCommand({
          TableName: this.options.tableName,
          Key: slotKey(subscriptionId, slot),
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async reserveSends(subscriptionId: string, wanted: number, intervalMs: number, now: number, latest: number): Promise<SendReservation> {
    const fit = (from: number) => Math.min(wanted, Math.floor((latest - from) / intervalMs) + 1);
    // Where this instance last saw the line end: ahead of now, appending is the write likely to succeed.
    let end = this.seenEnds.get(subscriptionId);
    for (let tries = 0; tries < MAX_TRIES; tries += 1) {
      if (end === undefined || end <= now) {
        // The line is behind now: it starts again now.
        const fresh = await this.moveLine(subscriptionId, 'tat', { set: now + fit(now) * intervalMs, behind: now });
        if (fresh.moved) return this.reserved(subscriptionId, now, fit(now), intervalMs);
        end = fresh.old ?? now;
      }
      const granted = fit(end);
      if (granted <= 0) return { first: end, granted: 0, nextFree: end };
      // The line is ahead of now: append to it, as long as the last time still fits.
      const appended = await this.moveLine(subscriptionId, 'tat', {
        add: granted * intervalMs,
        from: now,
        upTo: latest - (granted - 1) * intervalMs,
      });
      if (appended.moved) return this.reserved(subscriptionId, appended.old ?? end, granted, intervalMs);
      end = appended.old;
    }
    return { first: now, granted: 0, nextFree: now + intervalMs };
  }

  private reserved(subscriptionId: string, first: number, granted: number, intervalMs: number): SendReservation {
    this.seenEnds.set(subscriptionId, first + granted * intervalMs);
    return { first, granted, nextFree: first };
  }

  async reserveWakeups(subscriptionId: string, count: number, intervalMs: number, earliest: number): Promise<number> {
    for (let tries = 0; ; tries += 1) {
      const appended = await this.moveLine(subscriptionId, 'wake', { add: count * intervalMs, from: earliest });
      if (appended.moved) return appended.old ?? earliest;
      const fresh = await this.moveLine(subscriptionId, 'wake', { set: earliest + count * intervalMs, behind: earliest });
      if (fresh.moved) return earliest;
      // Lost both races every time: the wake-up times are a spreading hint, not a limit; go on from the line's end.
      if (tries >= MAX_TRIES) return fresh.old ?? earliest;
    }
  }

  /**
   * One conditional write on a line's end: either `set` it when it is missing or at or behind
   * `behind`, or `add` to it when it is at or after `from` (and at most `upTo`). Returns the end
   * before the write, whether it moved or not.
   */
  private async moveLine(
    subscriptionId: string,
    attribute: 'tat' | 'wake',
    move: { set: number; behind: number } | { add: number; from: number; upTo?: number },
  ): Promise<{ moved: boolean; old?: number }> {
    const names = { '#end': attribute, '#ttl': TTL_ATTRIBUTE };
    const key = lineKey(subscriptionId);
    const update =
      'set' in move
        ? {
            UpdateExpression: 'SET #end = :set, #ttl = :ttl',
            ConditionExpression: 'attribute_not_exists(#end) OR #end <= :behind',
            ExpressionAttributeValues: { ':set': move.set, ':behind': move.behind, ':ttl': expiry(move.set) },
          }
        : {
            UpdateExpression: 'SET #end = #end + :add, #ttl = :ttl',
            ConditionExpression: move.upTo === undefined ? '#end >= :from' : '#end BETWEEN :from AND :upTo',
            ExpressionAttributeValues: {
              ':add': move.add,
              ':from': move.from,
              ':ttl': expiry(move.from + 3_600_000),
              ...(move.upTo === undefined ? {} : { ':upTo': move.upTo }),
            },
          };
    const result = await this.conditionalUpdate(key, { ...update, ExpressionAttributeNames: names }, 'ALL_OLD');
    if (result.written) return { moved: true, old: numberOf(result.old?.[attribute]) };
    const item = result.item ?? (await this.read(key));
    return { moved: false, old: numberOf(item?.[attribute]) };
  }

  /** Written (with the item as it was, when asked), or not, with the item as the store said it was (if it said). */
  private async conditionalUpdate(
    key: Item,
    update: {
      UpdateExpression: string;
      ConditionExpression: string;
      ExpressionAttributeNames: Record<string, string>;
      ExpressionAttributeValues: Record<string, unknown>;
    },
    returnValues?: 'ALL_OLD',
  ): Promise<{ written: true; old?: Item } | { written: false; item?: Item }> {
    try {
      const out = await this.options.doc.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: key,
          ...update,
          ReturnValues: returnValues,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { written: true, old: out.Attributes };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return { written: false, item: (error as { Item?: Item }).Item };
    }
  }

  private async read(key: Item): Promise<Item | undefined> {
    const out = await this.options.doc.send(new GetCommand({ TableName: this.options.tableName, Key: key, ConsistentRead: true }));
    return out.Item;
  }
}

/**
 * A number attribute as the document client gives it, or as it comes with a failed condition: the
 * document client leaves the item of that error in DynamoDB's own form (`{"N": "…"}`).
 */
function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value !== null && typeof value === 'object' && typeof (value as { N?: unknown }).N === 'string')
    return Number((value as { N: string }).N);
  return undefined;
}
