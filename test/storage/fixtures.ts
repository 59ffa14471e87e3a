// Builders shared by the storage tests. Every test uses fresh ids, so tests in one file can share tables.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDeliveryRepository } from '../../lambdas/adapters/dynamo/delivery-repository';
import { createDocumentClient } from '../../lambdas/adapters/dynamo/document-client';
import { DynamoSubscriptionRepository } from '../../lambdas/adapters/dynamo/subscription-repository';
import { testSecretBox } from '../support/secret-box';
import { startDynalite, type LocalDynamo } from '../support/dynalite';
import { deliveryIdOf } from '../../lambdas/domain/delivery-id';
import type { Delivery, Subscription } from '../../lambdas/domain/types';

export const RETENTION_DAYS = 30;
const BASE = Date.UTC(2026, 10, 1);

/** ISO 8601 instant `minutes` after 2026-11-01T00:00:00Z. */
export function at(minutes: number): string {
  return new Date(BASE + minutes * 60_000).toISOString();
}

export function epochSecondsAfterRetention(iso: string): number {
  return Date.parse(iso) / 1000 + RETENTION_DAYS * 86_400;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** A fresh id in the subscription id format (`sub_` + 20 base32 characters). */
export function newSubscriptionId(): string {
  const bytes = randomUUID().replace(/-/g, '');
  let id = 'sub_';
  for (let i = 0; i < 20; i++) id += BASE32[parseInt(bytes.slice(i, i + 1), 16) * 2 + (i % 2)];
  return id;
}

export function newEventId(): string {
  return `evt.${randomUUID()}`;
}

export function newSubscription(overrides: Partial<Subscription> = {}): Subscription {
  return {
    id: newSubscriptionId(),
    url: 'https://receiver.example/hook?secret=s3cr3t',
    status: 'active',
    createdAt: at(0),
    updatedAt: at(0),
    ...overrides,
  };
}

/** A pending delivery due at `at(0)`, never attempted. */
export function newDelivery(eventId: string, subscriptionId: string, overrides: Partial<Delivery> = {}): Delivery {
  return {
    deliveryId: deliveryIdOf(eventId, subscriptionId),
    eventId,
    subscriptionId,
    eventType: 'donation',
    status: 'pending',
    createdAt: at(0),
    updatedAt: at(0),
    attemptCount: 0,
    budgetStart: 0,
    nextAttemptAt: at(0),
    nextTrigger: 'initial',
    ...overrides,
  };
}

export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return createDocumentClient(client);
}

/** The stored item as DynamoDB holds it, to check attributes the domain does not show (TTL, shard). */
export async function rawItem(
  doc: DynamoDBDocumentClient,
  tableName: string,
  key: Record<string, string | number>,
): Promise<Record<string, unknown> | undefined> {
  return (await doc.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
}

export interface Storage {
  dynamo: LocalDynamo;
  doc: DynamoDBDocumentClient;
  deliveries: DynamoDeliveryRepository;
  subscriptions: DynamoSubscriptionRepository;
}

/**
 * A dynalite with the service's tables and both repositories on it: started before the file's tests,
 * or before each test where one test's items would show in another's (a global index), and closed after.
 */
export function useStorage(scope: 'file' | 'test', use: (storage: Storage) => void): void {
  let dynamo: LocalDynamo | undefined;
  (scope === 'file' ? beforeAll : beforeEach)(async () => {
    dynamo = await startDynalite();
    const doc = documentClient(dynamo.client);
    const options = { doc, tables: dynamo.tableNames, retentionDays: RETENTION_DAYS };
    use({
      dynamo,
      doc,
      deliveries: new DynamoDeliveryRepository(options),
      subscriptions: new DynamoSubscriptionRepository({ ...options, secrets: testSecretBox() }),
    });
  });
  (scope === 'file' ? afterAll : afterEach)(async () => {
    await dynamo?.close();
  });
}
