// The senders' lateness reports in the fan-out log table: the largest recent one stands, a stale one
// gives way to any new one, and the sweeper reads them back per lane.
import { describe, expect, it } from 'vitest';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoQueueLagStore } from '../../lambdas/adapters/dynamo/queue-lag-store';
import type { LocalDynamo } from '../support/dynalite';
import { at, useStorage } from './fixtures';

let dynamo: LocalDynamo;
let doc: DynamoDBDocumentClient;
useStorage('file', (storage) => ({ dynamo, doc } = storage));

describe('DynamoQueueLagStore', () => {
  it('keeps the largest recent report per lane, and lets a stale one be replaced by a smaller one', async () => {
    const store = new DynamoQueueLagStore({ doc, tableName: dynamo.tableNames.fanouts });
    expect(await store.latest('main')).toBeUndefined();

    await store.record('main', { lagMs: 9_000, at: at(0) }, new Date(at(-1)));
    await store.record('main', { lagMs: 2_000, at: at(0.5) }, new Date(at(-0.5)));
    expect(await store.latest('main')).toEqual({ lagMs: 9_000, at: at(0) });
    await store.record('main', { lagMs: 12_000, at: at(0.6) }, new Date(at(-0.4)));
    expect(await store.latest('main')).toEqual({ lagMs: 12_000, at: at(0.6) });

    // A minute on, the report of 12 s is stale: the queue has caught up.
    await store.record('main', { lagMs: 0, at: at(2) }, new Date(at(1)));
    expect(await store.latest('main')).toEqual({ lagMs: 0, at: at(2) });
    expect(await store.latest('slow')).toBeUndefined();
  });
});
