// BatchGetItem may leave part of a request unprocessed (throttling, size limits); this helper
// chunks to the API limit and retries the leftovers with a short exponential backoff.
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { chunk } from '../../domain/chunk';
import type { Item } from './item';

const GET_BATCH = 100;
const MAX_TRIES = 5;
const BASE_DELAY_MS = 20;

function backoff(retry: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, BASE_DELAY_MS * 2 ** retry));
}

/**
 * Reads of the given keys (no duplicates), strongly consistent unless `consistent` is false, in no
 * particular order; keys that name no item are simply missing. Throws when keys stay unprocessed,
 * since a partial answer would pass for "not found".
 */
export async function batchGet(doc: DynamoDBDocumentClient, tableName: string, keys: readonly Item[], consistent = true): Promise<Item[]> {
  const parts = await Promise.all(
    chunk(keys, GET_BATCH).map(async (part) => {
      const found: Item[] = [];
      let remaining: Item[] = part;
      for (let tries = 0; remaining.length > 0; tries++) {
        if (tries === MAX_TRIES) throw new Error(`BatchGetItem on ${tableName} left ${remaining.length} keys unprocessed`);
        if (tries > 0) await backoff(tries - 1);
        const out = await doc.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: remaining, ConsistentRead: consistent } } }));
        found.push(...(out.Responses?.[tableName] ?? []));
        remaining = out.UnprocessedKeys?.[tableName]?.Keys ?? [];
      }
      return found;
    }),
  );
  return parts.flat();
}
