// Every transition of the delivery lifecycle, run both ways over the same items: the domain's
// predicate, and its DynamoDB condition expression as a conditional update on an item written to
// dynalite. They must agree on every item, or the storage enforces something the domain does not say.
import { describe, expect, it } from 'vitest';
import { BatchWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from '../../lambdas/adapters/dynamo/aws-errors';
import { mapLimited } from '../../lambdas/domain/map-limited';
import { deliveryTransitions, type DeliveryState, type StorageCondition, type Transition } from '../../lambdas/domain/delivery-lifecycle';
import type { DeliveryStatus } from '../../lambdas/domain/types';
import type { LocalDynamo } from '../support/dynalite';
import { at, newEventId, newSubscriptionId, useStorage } from './fixtures';
import { deliveryIdOf } from '../../lambdas/domain/delivery-id';

let dynamo: LocalDynamo;
let doc: DynamoDBDocumentClient;
useStorage('file', (storage) => ({ dynamo, doc } = storage));

const NOW = at(5);
const optional = <T>(...values: T[]) => [undefined, ...values];

/**
 * Absent, and every combination of the attributes the conditions compare, around `NOW` and attempts
 * 1-2; every other item watched, so both kinds occur for each status.
 */
function states(): Array<DeliveryState | undefined> {
  const all: Array<DeliveryState | undefined> = [undefined];
  for (const status of ['pending', 'failed'] as DeliveryStatus[])
    for (const attemptCount of [1, 2])
      for (const nextAttemptAt of optional(at(5), at(6)))
        for (const leaseUntil of optional(at(4), at(5), at(6)))
          for (const budgetStartedAt of optional(at(3))) {
            const watched = all.length % 2 === 0;
            // Every third: with the two-step `watched`, all four pairs occur for each status.
            const deferred = all.length % 3 === 0;
            const common = { updatedAt: at(1), watched, deferred, createdAt: at(1), budgetStartedAt };
            all.push({ status, attemptCount, nextAttemptAt, leaseUntil, ...common });
          }
  return all;
}

/** The parameters each transition is tried with, edges included (equal times, neighbouring attempts). */
const PARAMS: { [K in keyof typeof deliveryTransitions]: Array<Parameters<(typeof deliveryTransitions)[K]['can']>[1]> } = {
  claim: [1, 2, 3].flatMap((attempt) => [false, true].map((creates) => ({ attempt, now: NOW, creates }))),
  // Budgets started at(1) (the event) or at(3) (a resend): after at(0), one of them after at(2), neither after at(4).
  postpone: [1, 2].flatMap((attempt) =>
    [false, true].flatMap((creates) =>
      [at(0), at(2), at(4)].map((budgetStartedAfter) => ({ attempt, now: NOW, creates, budgetStartedAfter })),
    ),
  ),
  complete: [1, 2].flatMap((attempt) => [at(5), at(6)].map((lease) => ({ attempt, lease }))),
  close: [1, 2].flatMap((attempt) => [at(5), at(6)].map((lease) => ({ attempt, lease }))),
  defer: [1, 2].flatMap((attempt) => [at(5), at(6)].map((lease) => ({ attempt, lease }))),
  restart: [undefined, at(1), at(2)].map((seenUpdatedAt) => ({ now: NOW, seenUpdatedAt })),
  watch: [undefined],
  pause: [undefined],
  release: [at(4), at(5)].map((releasedAt) => ({ at: releasedAt, now: NOW })),
};

interface Case {
  key: { eventId: string; subscriptionId: string };
  state: DeliveryState | undefined;
  params: unknown;
  expected: boolean;
}

function itemOf(key: Case['key'], state: DeliveryState): Record<string, unknown> {
  const { watched, deferred, budgetStartedAt, ...attributes } = state;
  return {
    deliveryId: deliveryIdOf(key.eventId, key.subscriptionId),
    ...key,
    ...attributes,
    ...(watched ? { pendingShard: '0' } : {}),
    ...(deferred ? { deferredSince: at(2), deferReason: 'circuit open' } : {}),
    ...(budgetStartedAt === undefined ? {} : { budgetStartedAt }),
  };
}

/** Writes every stored state of the cases, 25 items a request. */
async function writeItems(cases: Case[]): Promise<void> {
  const items = cases.flatMap((c) => (c.state ? [itemOf(c.key, c.state)] : []));
  for (let i = 0; i < items.length; i += 25) {
    const requests = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    const out = await doc.send(new BatchWriteCommand({ RequestItems: { [dynamo.tableNames.deliveries]: requests } }));
    expect(out.UnprocessedItems ?? {}).toEqual({});
  }
}

/** The conditional update the adapter would make, reduced to its condition: true when it held. */
async function conditionHolds(key: Case['key'], condition: StorageCondition): Promise<boolean> {
  const names = Object.keys(condition.names).length > 0 ? condition.names : undefined;
  try {
    await doc.send(
      new UpdateCommand({
        TableName: dynamo.tableNames.deliveries,
        Key: { deliveryId: deliveryIdOf(key.eventId, key.subscriptionId) },
        ConditionExpression: condition.expression,
        UpdateExpression: 'SET probe = :probe',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ...condition.values, ':probe': 1 },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

describe('delivery lifecycle: predicates and storage conditions agree', () => {
  for (const [name, transition] of Object.entries(deliveryTransitions) as Array<[string, Transition<unknown>]>) {
    it(`${name}: the condition expression holds on exactly the items the predicate allows`, async () => {
      const eventId = newEventId();
      const cases: Case[] = PARAMS[name as keyof typeof PARAMS].flatMap((params) =>
        states().map((state) => ({
          key: { eventId, subscriptionId: newSubscriptionId() },
          state,
          params,
          expected: transition.can(state, params),
        })),
      );
      await writeItems(cases);
      const held = await mapLimited(cases, 8, (c) => conditionHolds(c.key, transition.condition(c.params)));
      const disagreements = cases.flatMap((c, i) =>
        held[i] === c.expected ? [] : [{ state: c.state, params: c.params, predicate: c.expected }],
      );
      expect(disagreements).toEqual([]);
      // Both answers occur, so the comparison says something about this transition.
      expect(new Set(held)).toEqual(new Set([true, false]));
    });
  }
});
