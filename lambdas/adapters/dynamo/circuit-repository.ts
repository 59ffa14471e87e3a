// The circuit breaker's conditional updates on the subscription item. None touches `updatedAt`, so
// support's optimistic check on a subscription is not disturbed by the sender.
import { UpdateCommand, type DynamoDBDocumentClient, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Circuit } from '../../domain/circuit';
import { coalesced } from '../../domain/coalesce';
import type { CircuitRepository } from '../../domain/ports';
import { isConditionalCheckFailed } from './aws-errors';
import { circuitFromItem, CIRCUIT_ATTRIBUTES as A } from './circuit-items';

const NAMES = {
  '#state': A.state,
  '#since': A.since,
  '#failures': A.failures,
  '#probeAt': A.probeAt,
  '#backoff': A.backoffMs,
  '#waiting': A.waiting,
  '#slow': A.slowUntil,
};

const IS_CLOSED = 'attribute_exists(id) AND (attribute_not_exists(#state) OR #state = :closed)';
const IS_PROBING = '#state = :probing';

type Update = Omit<UpdateCommandInput, 'TableName' | 'Key'>;

export class DynamoCircuitRepository implements CircuitRepository {
  constructor(private readonly options: { doc: DynamoDBDocumentClient; tables: { subscriptions: string } }) {}

  async countFailure(
    id: string,
    threshold: number,
    now: Date,
    firstProbeMs: number,
  ): Promise<{ circuit: Circuit; opened: boolean } | undefined> {
    const counted = await this.update(id, {
      UpdateExpression: 'SET #failures = if_not_exists(#failures, :zero) + :one',
      ConditionExpression: IS_CLOSED,
      ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':closed': 'closed' },
      ReturnValues: 'ALL_NEW',
    });
    if (!counted) return undefined;
    const circuit = circuitFromItem(counted) ?? { state: 'closed', failures: 1, waiting: 0 };
    if (circuit.failures < threshold) return { circuit, opened: false };
    const opened = await this.update(id, {
      UpdateExpression: 'SET #state = :open, #since = :now, #probeAt = :probeAt, #backoff = :backoff, #waiting = :zero, #failures = :zero',
      ConditionExpression: `${IS_CLOSED} AND #failures >= :threshold`,
      ExpressionAttributeValues: {
        ':open': 'open',
        ':closed': 'closed',
        ':now': now.toISOString(),
        ':probeAt': new Date(now.getTime() + firstProbeMs).toISOString(),
        ':backoff': firstProbeMs,
        ':zero': 0,
        ':threshold': threshold,
      },
      ReturnValues: 'ALL_NEW',
    });
    // Another sender opened it at the same count: one of them opens it, and tells support.
    if (!opened) return { circuit, opened: false };
    return { circuit: circuitFromItem(opened)!, opened: true };
  }

  async resetFailures(id: string): Promise<void> {
    await this.update(id, {
      UpdateExpression: 'SET #failures = :zero',
      ConditionExpression: `${IS_CLOSED} AND #failures > :zero`,
      ExpressionAttributeValues: { ':zero': 0, ':closed': 'closed' },
    });
  }

  async takeProbe(id: string, now: Date, leaseUntil: Date): Promise<boolean> {
    const taken = await this.update(id, {
      UpdateExpression: 'SET #state = :probing, #probeAt = :lease',
      ConditionExpression: '(#state = :open OR #state = :probing) AND #probeAt <= :now',
      ExpressionAttributeValues: { ':open': 'open', ':probing': 'probing', ':now': now.toISOString(), ':lease': leaseUntil.toISOString() },
    });
    return taken !== undefined;
  }

  async close(id: string, now: Date): Promise<boolean> {
    const closed = await this.update(id, {
      UpdateExpression: 'SET #state = :closed, #since = :now, #failures = :zero, #waiting = :zero REMOVE #probeAt, #backoff',
      ConditionExpression: IS_PROBING,
      ExpressionAttributeValues: { ':closed': 'closed', ':probing': 'probing', ':now': now.toISOString(), ':zero': 0 },
    });
    return closed !== undefined;
  }

  async reopen(id: string, now: Date, backoffMs: number): Promise<boolean> {
    const reopened = await this.update(id, {
      UpdateExpression: 'SET #state = :open, #probeAt = :probeAt, #backoff = :backoff',
      ConditionExpression: IS_PROBING,
      ExpressionAttributeValues: {
        ':open': 'open',
        ':probing': 'probing',
        ':probeAt': new Date(now.getTime() + backoffMs).toISOString(),
        ':backoff': backoffMs,
      },
    });
    return reopened !== undefined;
  }

  async markSlow(id: string, until: Date): Promise<void> {
    await this.update(id, {
      UpdateExpression: 'SET #slow = :until',
      ConditionExpression: 'attribute_exists(id) AND (attribute_not_exists(#slow) OR #slow < :until)',
      ExpressionAttributeValues: { ':until': until.toISOString() },
    });
  }

  async countWaiting(id: string, since: string): Promise<void> {
    await this.addWaiting(id, since);
  }

  /**
   * The deliveries of one subscription deferred behind its circuit at about the same moment are
   * counted with one write: while a circuit is open every new delivery of the subscription is one,
   * tens a second on a busy subscription, all on its one item.
   */
  private readonly addWaiting = coalesced(async (id: string, opened: string[]) => {
    for (const since of new Set(opened)) {
      const count = opened.filter((s) => s === since).length;
      await this.update(id, {
        UpdateExpression: 'SET #waiting = if_not_exists(#waiting, :zero) + :count',
        ConditionExpression: '#since = :since AND #state <> :closed',
        ExpressionAttributeValues: { ':zero': 0, ':count': count, ':since': since, ':closed': 'closed' },
      });
    }
    return opened.map(() => undefined);
  });

  /** The item after the update (with ReturnValues), `{}` without; undefined when the condition failed. */
  private async update(id: string, update: Update): Promise<Record<string, unknown> | undefined> {
    const names = Object.fromEntries(
      Object.entries(NAMES).filter(([k]) => `${update.UpdateExpression} ${update.ConditionExpression}`.includes(k)),
    );
    try {
      const out = await this.options.doc.send(
        new UpdateCommand({ TableName: this.options.tables.subscriptions, Key: { id }, ExpressionAttributeNames: names, ...update }),
      );
      return out.Attributes ?? {};
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }
}
