// The fan-out log: one item per ingest batch under `<minute>#<shard>`, read back per minute, and the
// sweeper's checkpoint.
import { describe, expect, it } from 'vitest';
import { QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoFanoutLog } from '../../lambdas/adapters/dynamo/fanout-log';
import { FANOUT_SHARDS } from '../../lambdas/storage/tables';
import type { LocalDynamo } from '../support/dynalite';
import { at, epochSecondsAfterRetention, newEventId, RETENTION_DAYS, useStorage } from './fixtures';

let dynamo: LocalDynamo;
let doc: DynamoDBDocumentClient;
useStorage('file', (storage) => ({ dynamo, doc } = storage));

/** A log whose shard choices are `randoms`, in order (then 0). */
function logWith(...randoms: number[]): DynamoFanoutLog {
  return new DynamoFanoutLog({
    doc,
    tableName: dynamo.tableNames.fanouts,
    retentionDays: RETENTION_DAYS,
    random: () => randoms.shift() ?? 0,
  });
}

function date(minutes: number): Date {
  return new Date(at(minutes));
}

async function itemsOf(bucket: string): Promise<Record<string, unknown>[]> {
  const out = await doc.send(
    new QueryCommand({
      TableName: dynamo.tableNames.fanouts,
      KeyConditionExpression: '#bucket = :b',
      ExpressionAttributeNames: { '#bucket': 'bucket' },
      ExpressionAttributeValues: { ':b': bucket },
      ConsistentRead: true,
    }),
  );
  return out.Items ?? [];
}

async function bucketsOfMinute(minute: string): Promise<string[]> {
  const out = await doc.send(new ScanCommand({ TableName: dynamo.tableNames.fanouts, ConsistentRead: true }));
  return [...new Set((out.Items ?? []).map((item) => item.bucket as string).filter((bucket) => bucket.startsWith(`${minute}#`)))].sort();
}

describe('record and eventIdsOf', () => {
  it('reads back every event id of a minute across batches and shards, each once', async () => {
    const [a, b, c, d, e] = Array.from({ length: 5 }, () => newEventId());
    // Shards 0, 4 and 7; `c` is in two batches (a retried ingest batch).
    const log = logWith(0, 0.5, 0.999);
    await log.record([a, b, c], new Date(Date.parse(at(100)) + 1_000));
    await log.record([c, d], new Date(Date.parse(at(100)) + 30_000));
    await log.record([e], new Date(Date.parse(at(100)) + 59_999));

    const ids = await log.eventIdsOf(at(100));
    expect([...ids].sort()).toEqual([a, b, c, d, e].sort());
    expect(ids).toHaveLength(5);
    expect(await bucketsOfMinute(at(100))).toEqual([`${at(100)}#0`, `${at(100)}#4`, `${at(100)}#7`]);
  });

  it('keeps minutes apart: a batch at the first instant of the next minute belongs to that one', async () => {
    const log = logWith(0.3, 0.3);
    const early = newEventId();
    const late = newEventId();
    await log.record([early], date(200));
    await log.record([late], date(201));

    expect(await log.eventIdsOf(at(200))).toEqual([early]);
    expect(await log.eventIdsOf(at(201))).toEqual([late]);
    expect(await log.eventIdsOf(at(199))).toEqual([]);
    expect(await log.eventIdsOf(at(202))).toEqual([]);
  });

  it('gives every batch item a TTL counted from the time it was written', async () => {
    const log = logWith(0.25);
    const written = new Date(Date.parse(at(300)) + 12_345);
    const eventId = newEventId();
    await log.record([eventId], written);

    const items = await itemsOf(`${at(300)}#${Math.floor(0.25 * FANOUT_SHARDS)}`);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ eventIds: [eventId], expiresAt: Math.floor(written.getTime() / 1000) + RETENTION_DAYS * 86_400 });
    expect(items[0].expiresAt).toBe(Math.floor(epochSecondsAfterRetention(at(300))) + 12);
  });

  it('picks the shard with the injected random: different values land in different buckets', async () => {
    const log = logWith(0.1, 0.9);
    const first = newEventId();
    const second = newEventId();
    await log.record([first], date(400));
    await log.record([second], date(400));

    const low = Math.floor(0.1 * FANOUT_SHARDS);
    const high = Math.floor(0.9 * FANOUT_SHARDS);
    expect(low).not.toBe(high);
    expect((await itemsOf(`${at(400)}#${low}`)).map((item) => item.eventIds)).toEqual([[first]]);
    expect((await itemsOf(`${at(400)}#${high}`)).map((item) => item.eventIds)).toEqual([[second]]);
    expect(await bucketsOfMinute(at(400))).toEqual([`${at(400)}#${low}`, `${at(400)}#${high}`].sort());
  });

  it('keeps two batches written at the same instant into the same shard as two items', async () => {
    const log = logWith(0, 0);
    const first = newEventId();
    const second = newEventId();
    await log.record([first], date(500));
    await log.record([second], date(500));
    expect(await itemsOf(`${at(500)}#0`)).toHaveLength(2);
    expect([...(await log.eventIdsOf(at(500)))].sort()).toEqual([first, second].sort());
  });
});

describe('the sweeper checkpoint', () => {
  it('is undefined until set, then holds the last value set, and is no event of any minute', async () => {
    const log = logWith();
    expect(await log.sweptUntil()).toBeUndefined();
    await log.setSweptUntil(at(600));
    expect(await log.sweptUntil()).toBe(at(600));
    await log.setSweptUntil(at(601));
    expect(await log.sweptUntil()).toBe(at(601));
    expect(await log.eventIdsOf(at(600))).toEqual([]);
    expect(await log.eventIdsOf(at(601))).toEqual([]);
  });

  it('knows when its table was created, so that a first sweep need not look back before it', async () => {
    const before = Date.now();
    const created = await logWith().createdAt();
    expect(created).toBeDefined();
    // The table was created by this file's setup, within the last minutes, and not in the future.
    expect(Date.parse(created!)).toBeLessThanOrEqual(Date.now());
    expect(before - Date.parse(created!)).toBeLessThan(10 * 60_000);
  });
});
