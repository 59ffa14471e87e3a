// Secrets at rest in the subscriptions table (dynalite): what is stored holds no secret in clear,
// items written before encryption still read, and every write changes the subscriptions' version.
import { PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoSubscriptionRepository } from '../../lambdas/adapters/dynamo/subscription-repository';
import type { Subscription } from '../../lambdas/domain/types';
import type { LocalDynamo } from '../support/dynalite';
import { testSecretBox } from '../support/secret-box';
import { at, newSubscription, rawItem, RETENTION_DAYS, useStorage } from './fixtures';

let dynamo: LocalDynamo;
let doc: DynamoDBDocumentClient;
let repo: DynamoSubscriptionRepository;
useStorage('test', (storage) => ({ dynamo, doc, subscriptions: repo } = storage));

const SECRETS = ['url-s3cr3t', 'BareT0ken', 'pa55w0rd-x', 'h3ader-value', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'p4th-s3cr3t'];

function withSecrets(overrides: Partial<Subscription> = {}): Subscription {
  return newSubscription({
    url: 'https://hooks.example.com/in/p4th-s3cr3t?token=url-s3cr3t&BareT0ken',
    basicAuth: { username: 'crm', password: 'pa55w0rd-x' },
    headers: { 'X-Api-Key': 'h3ader-value', constructor: 'h3ader-value' },
    signingSecrets: [{ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', createdAt: at(0) }],
    eventTypes: ['donation'],
    ...overrides,
  });
}

describe('subscription secrets at rest', () => {
  it('stores no secret in clear: the table holds one sealed attribute instead', async () => {
    const subscription = withSecrets();
    await repo.create(subscription);
    await repo.put({ ...subscription, description: 'changed', updatedAt: at(1) }, { expectedUpdatedAt: subscription.updatedAt });
    const table = JSON.stringify((await doc.send(new ScanCommand({ TableName: dynamo.tableNames.subscriptions }))).Items);
    for (const secret of SECRETS) expect(table).not.toContain(secret);
    expect(table).not.toContain('hooks.example.com');
    const item = await rawItem(doc, dynamo.tableNames.subscriptions, { id: subscription.id });
    expect(item?.sealedSecrets).toMatch(/^v1\./);
    expect(await repo.get(subscription.id)).toEqual({ ...subscription, description: 'changed', updatedAt: at(1) });
  });

  it('cannot be read without the key it was sealed with, nor by a repository with no key', async () => {
    const subscription = withSecrets();
    await repo.create(subscription);
    const options = { doc, tables: dynamo.tableNames, retentionDays: RETENTION_DAYS };
    await expect(new DynamoSubscriptionRepository({ ...options, secrets: testSecretBox() }).get(subscription.id)).rejects.toThrow();
    await expect(new DynamoSubscriptionRepository(options).get(subscription.id)).rejects.toThrow('no secret box');
  });

  it('lists fan-out targets (id, status, event types) without the key', async () => {
    const subscription = withSecrets();
    await repo.create(subscription);
    const keyless = new DynamoSubscriptionRepository({ doc, tables: dynamo.tableNames, retentionDays: RETENTION_DAYS });
    expect(await keyless.listTargets('active')).toEqual([{ id: subscription.id, status: 'active', eventTypes: ['donation'] }]);
    expect(await keyless.version()).toBeGreaterThan(0);
  });

  it('reads an item written before encryption, and seals it at its next write', async () => {
    const legacy = withSecrets();
    const { url, basicAuth, headers, signingSecrets, ...clear } = legacy;
    await doc.send(
      new PutCommand({
        TableName: dynamo.tableNames.subscriptions,
        Item: { ...clear, url, basicAuth, headers: { 'X-Api-Key': headers!['X-Api-Key'] }, signingSecrets },
      }),
    );
    const read = await repo.get(legacy.id);
    expect(read).toEqual({ ...legacy, headers: { 'X-Api-Key': 'h3ader-value' } });
    expect((await repo.listByStatus(['active'])).map((s) => s.url)).toEqual([url]);

    await repo.put({ ...read!, description: 'migrated', updatedAt: at(2) }, { expectedUpdatedAt: read!.updatedAt });
    const item = await rawItem(doc, dynamo.tableNames.subscriptions, { id: legacy.id });
    expect(Object.keys(item!)).not.toEqual(expect.arrayContaining(['url']));
    for (const secret of SECRETS) expect(JSON.stringify(item)).not.toContain(secret);
    expect((await repo.get(legacy.id))?.url).toBe(url);
  });

  it('changes the version with every write that took effect, and only then', async () => {
    const versions: number[] = [await repo.version()];
    const subscription = withSecrets();
    await repo.create(subscription);
    versions.push(await repo.version());
    await repo.put({ ...subscription, status: 'disabled', updatedAt: at(1) }, { expectedUpdatedAt: subscription.updatedAt });
    versions.push(await repo.version());
    await repo.markFailing(subscription.id, at(2));
    versions.push(await repo.version());
    await repo.markFailing(subscription.id, at(3)); // already failing: no write
    versions.push(await repo.version());
    await repo.clearFailing(subscription.id);
    versions.push(await repo.version());
    expect(versions).toEqual([0, 1, 2, 3, 3, 4]);
    // The version item is no subscription: not listed, not found by id.
    expect(await repo.get('#version')).toBeUndefined();
    expect((await repo.listByStatus(['disabled'])).map((s) => s.id)).toEqual([subscription.id]);
  });
});
