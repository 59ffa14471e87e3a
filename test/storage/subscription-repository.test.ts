import { describe, expect, it } from 'vitest';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoSubscriptionRepository } from '../../lambdas/adapters/dynamo/subscription-repository';
import { CIRCUIT_ATTRIBUTES } from '../../lambdas/adapters/dynamo/circuit-items';
import { FAILING_RUN_ATTRIBUTES, subscriptionToItem, supportAttributesOf } from '../../lambdas/adapters/dynamo/subscription-items';
import { ConflictError, NotFoundError } from '../../lambdas/domain/errors';
import type { LocalDynamo } from '../support/dynalite';
import { at, epochSecondsAfterRetention, newSubscription, rawItem, useStorage } from './fixtures';

let dynamo: LocalDynamo;
let doc: DynamoDBDocumentClient;
let repo: DynamoSubscriptionRepository;
useStorage('file', (storage) => ({ dynamo, doc, subscriptions: repo } = storage));

describe('DynamoSubscriptionRepository', () => {
  it('stores a subscription and reads it back by id, every field intact', async () => {
    const subscription = newSubscription({
      basicAuth: { username: 'crm', password: 'pa55' },
      eventTypes: ['donation', 'contact.updated'],
      description: 'Finance system',
    });
    await repo.create(subscription);
    expect(await repo.get(subscription.id)).toEqual(subscription);
  });

  it('writes no attribute for an optional field that is absent', async () => {
    const subscription = newSubscription();
    await repo.create(subscription);
    const item = await rawItem(doc, dynamo.tableNames.subscriptions, { id: subscription.id });
    expect(Object.keys(item ?? {}).sort()).toEqual(['createdAt', 'id', 'sealedSecrets', 'status', 'updatedAt']);
  });

  it('answers undefined for an unknown id', async () => {
    expect(await repo.get('sub_aaaaaaaaaaaaaaaaaaaa')).toBeUndefined();
  });

  it('refuses to create a second subscription with the same id and keeps the first', async () => {
    const first = newSubscription({ description: 'first' });
    await repo.create(first);
    await expect(repo.create({ ...first, description: 'second' })).rejects.toBeInstanceOf(ConflictError);
    expect((await repo.get(first.id))?.description).toBe('first');
  });

  it("stores support's fields with put, dropping those the new version lacks", async () => {
    const subscription = newSubscription({ eventTypes: ['donation'], description: 'old' });
    await repo.create(subscription);
    const { eventTypes: _dropped, ...rest } = subscription;
    const updated = { ...rest, description: 'new', status: 'disabled' as const, disabledReason: 'manual' as const, updatedAt: at(5) };
    await repo.put(updated);
    expect(await repo.get(subscription.id)).toEqual(updated);
  });

  it("writes every attribute of a subscription item through support's put but the failing run and the circuit", () => {
    const full = newSubscription({
      basicAuth: { username: 'u', password: 'p' },
      eventTypes: ['donation'],
      description: 'd',
      maxConcurrency: 2,
      rateLimit: 5,
      status: 'deleted',
      disabledReason: 'manual',
      failingSince: at(1),
      runDeliveredAt: at(2),
      circuit: {
        state: 'open',
        since: at(1),
        failures: 1,
        runStartedAt: at(1),
        probeAt: at(2),
        backoffMs: 1,
        waiting: 1,
        slowUntil: at(3),
      },
    });
    const item = Object.keys(subscriptionToItem(full, 30, 'sealed'));
    const support = Object.keys(supportAttributesOf(full, 30, 'sealed'));
    const sender = [...FAILING_RUN_ATTRIBUTES, ...Object.values(CIRCUIT_ATTRIBUTES)];
    expect(item.filter((key) => key !== 'id' && !sender.includes(key as (typeof sender)[number])).sort()).toEqual(support.sort());
  });

  it('fails put with NotFoundError for an unknown subscription and creates nothing', async () => {
    const subscription = newSubscription();
    await expect(repo.put(subscription)).rejects.toBeInstanceOf(NotFoundError);
    expect(await repo.get(subscription.id)).toBeUndefined();
  });

  it('refuses a read-modify-write whose read is stale, so a concurrent delete is not undone', async () => {
    const subscription = newSubscription({ description: 'v1' });
    await repo.create(subscription);
    const deleted = { ...subscription, status: 'deleted' as const, updatedAt: at(5) };
    await repo.put(deleted, { expectedUpdatedAt: subscription.updatedAt });
    await expect(
      repo.put({ ...subscription, description: 'v2', updatedAt: at(6) }, { expectedUpdatedAt: subscription.updatedAt }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect((await repo.get(subscription.id))?.status).toBe('deleted');
  });

  it('lists the subscriptions of one status, oldest first', async () => {
    const newest = newSubscription({ createdAt: at(30) });
    const oldest = newSubscription({ createdAt: at(-30) });
    const middle = newSubscription({ createdAt: at(10) });
    const disabled = newSubscription({ createdAt: at(-40), status: 'disabled', disabledReason: 'manual' });
    for (const subscription of [newest, oldest, middle, disabled]) await repo.create(subscription);
    const ours = new Set([newest.id, oldest.id, middle.id, disabled.id]);

    const active = (await repo.listByStatus(['active'])).filter((s) => ours.has(s.id));
    expect(active.map((s) => s.id)).toEqual([oldest.id, middle.id, newest.id]);
    const disabledOnes = (await repo.listByStatus(['disabled'])).filter((s) => ours.has(s.id));
    expect(disabledOnes).toEqual([disabled]);
  });

  it('keeps a deleted subscription as a tombstone that expires after the retention period', async () => {
    const subscription = newSubscription();
    await repo.create(subscription);
    const deleted = { ...subscription, status: 'deleted' as const, updatedAt: at(60) };
    await repo.put(deleted);

    expect(await repo.get(subscription.id)).toEqual(deleted);
    expect((await repo.listByStatus(['deleted'])).map((s) => s.id)).toContain(subscription.id);
    expect((await repo.listByStatus(['active'])).map((s) => s.id)).not.toContain(subscription.id);
    const item = await rawItem(doc, dynamo.tableNames.subscriptions, { id: subscription.id });
    expect(item?.expiresAt).toBe(epochSecondsAfterRetention(at(60)));
  });

  it('sets no expiry on a subscription that is not deleted', async () => {
    const subscription = newSubscription({ status: 'disabled', disabledReason: 'manual' });
    await repo.create(subscription);
    const item = await rawItem(doc, dynamo.tableNames.subscriptions, { id: subscription.id });
    expect(item).not.toHaveProperty('expiresAt');
  });

  it('a failing run: starts once, records one early delivery, a new one starts only over the run it replaces, both clear', async () => {
    const subscription = newSubscription();
    await repo.create(subscription);
    expect(await repo.markFailing(subscription.id, at(1))).toBe(true);
    expect(await repo.markFailing(subscription.id, at(2))).toBe(false);
    await repo.markRunDelivered(subscription.id, at(3), at(1));
    await repo.markRunDelivered(subscription.id, at(4), at(1));
    await repo.markRunDelivered(subscription.id, at(5), at(9));
    expect(await repo.get(subscription.id)).toMatchObject({ failingSince: at(1), runDeliveredAt: at(3) });

    // A new run replaces only the run it was decided on.
    expect(await repo.markFailing(subscription.id, at(70), at(9))).toBe(false);
    expect(await repo.markFailing(subscription.id, at(70), at(1))).toBe(true);
    const restarted = await repo.get(subscription.id);
    expect(restarted).toMatchObject({ failingSince: at(70) });
    expect(restarted).not.toHaveProperty('runDeliveredAt');

    await repo.markRunDelivered(subscription.id, at(71), at(70));
    await repo.clearFailing(subscription.id);
    const item = await rawItem(doc, dynamo.tableNames.subscriptions, { id: subscription.id });
    expect(item).not.toHaveProperty('failingSince');
    expect(item).not.toHaveProperty('runDeliveredAt');
  });
});
