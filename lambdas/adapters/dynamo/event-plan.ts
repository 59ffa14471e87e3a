// An event's fan-out plan in the events table. A small plan stays on the event item; a large one
// (an event to thousands of subscriptions) is cut into chunk items, each under a key of its own, so
// that the plan of an event to 50,000 subscriptions (1.2 MB of ids, three times DynamoDB's item
// limit) is stored at all, and no key takes more than one chunk's 25 write units.
//
// Chunks are written before the event item, under a plan id drawn by the writer: the event item,
// written on condition that it is absent, names the chunks that make its plan, and a writer that
// loses that race (a repeat of the event) leaves only chunks nobody names, which expire with it.
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapLimited } from '../../domain/map-limited';
import type { EventRecord } from '../../domain/types';
import { TTL_ATTRIBUTE } from '../../storage/tables';
import { expiresAtOf, type Item } from './item';

/** A plan of at most this many subscription ids stays on the event item (about 2.5 KB). */
export const PLAN_INLINE_IDS = 100;

/** Subscription ids per chunk item: about 25 KB, a tenth of a partition's write units per second. */
export const PLAN_CHUNK_IDS = 1000;

/** Chunk reads or writes of one plan in flight at once. */
const CHUNK_CONCURRENCY = 8;

/** Event ids have no spaces (event-parsing.ts), so no event's own key looks like a chunk's. */
export function planChunkKey(eventId: string, planId: string, chunk: number): string {
  return `${eventId} ${planId} ${chunk}`;
}

export interface PlannedEventItems {
  event: Item;
  chunks: Item[];
}

/** The event item and, for a large plan, its chunk items. */
export function eventItemsOf(event: EventRecord, retentionDays: number, planId: string = randomUUID()): PlannedEventItems {
  const expiresAt = expiresAtOf(event.receivedAt, retentionDays);
  const base: Item = {
    eventId: event.eventId,
    type: event.type,
    body: event.body,
    receivedAt: event.receivedAt,
    sourceMessageId: event.sourceMessageId,
    [TTL_ATTRIBUTE]: expiresAt,
  };
  const ids = event.subscriptionIds;
  if (ids.length <= PLAN_INLINE_IDS) return { event: { ...base, subscriptionIds: [...ids] }, chunks: [] };
  const chunks: Item[] = [];
  for (let start = 0; start < ids.length; start += PLAN_CHUNK_IDS) {
    const eventId = planChunkKey(event.eventId, planId, chunks.length);
    chunks.push({ eventId, subscriptionIds: ids.slice(start, start + PLAN_CHUNK_IDS), [TTL_ATTRIBUTE]: expiresAt });
  }
  return { event: { ...base, planId, planChunks: chunks.length, planSize: ids.length }, chunks };
}

export async function putPlanChunks(doc: DynamoDBDocumentClient, tableName: string, chunks: Item[]): Promise<void> {
  await mapLimited(chunks, CHUNK_CONCURRENCY, (chunk) => doc.send(new PutCommand({ TableName: tableName, Item: chunk })));
}

/** The event item's plan, read from its chunks when it has them (strongly consistent: written just before the event). */
export async function planOf(doc: DynamoDBDocumentClient, tableName: string, eventItem: Item): Promise<string[]> {
  const chunks = typeof eventItem.planChunks === 'number' ? eventItem.planChunks : 0;
  if (chunks === 0) return (eventItem.subscriptionIds as string[] | undefined) ?? [];
  const eventId = eventItem.eventId as string;
  const planId = eventItem.planId as string;
  const parts = await mapLimited(
    Array.from({ length: chunks }, (_, n) => n),
    CHUNK_CONCURRENCY,
    async (n) => {
      const key = { eventId: planChunkKey(eventId, planId, n) };
      const out = await doc.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
      if (!out.Item) throw new Error(`plan chunk ${n} of event ${eventId} is missing`);
      return out.Item.subscriptionIds as string[];
    },
  );
  return parts.flat();
}
