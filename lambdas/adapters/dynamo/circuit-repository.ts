// The circuit breaker's conditional updates on the subscription item. None touches `updatedAt`, so
// support's optimistic check on a subscription is not disturbed by the sender.
import { UpdateCommand, type DynamoDBDocumentClient, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { CLOSED, counted, opened, runOpens, runStartedBy, type Circuit, type CircuitPolicy } from '../../domain/circuit';
import { coalesced } from '../../domain/coalesce';
import type { CircuitRepository, CountedFailure } from '../../domain/ports';
import { isConditionalCheckFailed } from './aws-errors';
import { circuitFromItem, CIRCUIT_ATTRIBUTES as A } from './circuit-items';

const NAMES = {
  '#state': A.state,
  '#since': A.since,
  '#failures': A.failures,
  '#runStart': A.runStartedAt,
  '#probeAt': A.probeAt,
  '#backoff': A.backoffMs,
  '#waiting': A.waiting,
  '#slow': A.slowUntil,
};

const IS_CLOSED = 'attribute_exists(id) AND (attribute_not_exists(#state) OR #state = :closed)';
const IS_PROBING = '#state = :probing';
const OPEN =
  'SET #state = :open, #since = :since, #probeAt = :probeAt, #backoff = :backoff, #waiting = :zero, #failures = :zero REMOVE #runStart';

type Update = Omit<UpdateCommandInput, 'TableName' | 'Key'>;
type OpenPolicy = Pick<CircuitPolicy, 'failureThreshold' | 'minRunMs' | 'firstProbeMs'>;

/**
 * The open write's condition: the run as stored opens the circuit (`runOpens` in circuit.ts, which
 * test/storage/circuit-repository.test.ts holds it to on every kind of item).
 */
export function openCondition(now: Date, policy: Pick<CircuitPolicy, 'failureThreshold' | 'minRunMs'>) {
  return {
    expression: `${IS_CLOSED} AND #failures >= :threshold AND #runStart <= :startedBy`,
    names: { '#state': A.state, '#failures': A.failures, '#runStart': A.runStartedAt },
    values: { ':closed': 'closed', ':threshold': policy.failureThreshold, ':startedBy': runStartedBy(now, policy).toISOString() },
  };
}

export class DynamoCircuitRepository implements CircuitRepository {
  constructor(private readonly options: { doc: DynamoDBDocumentClient; tables: { subscriptions: string } }) {}

  async countFailure(id: string, now: Date, policy: OpenPolicy): Promise<CountedFailure | undefined> {
    // The run's first counted failure also stores when the run began; later ones leave it.
    const item = await this.update(id, {
      UpdateExpression: 'SET #failures = if_not_exists(#failures, :zero) + :one, #runStart = if_not_exists(#runStart, :now)',
      ConditionExpression: IS_CLOSED,
      ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':closed': 'closed', ':now': now.toISOString() },
      ReturnValues: 'ALL_NEW',
    });
    if (!item) return undefined;
    const run = circuitFromItem(item) ?? counted(CLOSED, now);
    if (!runOpens(run, now, policy)) return { circuit: run, run, opened: false };
    const open = await this.open(id, now, policy);
    // Another sender opened it on the same run: one of them opens it, and tells support.
    return open ? { circuit: open, run, opened: true } : { circuit: run, run, opened: false };
  }

  /**
   * Opens the circuit if the stored run still opens it (`runOpens`, checked again by the condition:
   * a stale read cannot open a circuit whose run was reset or began again since). Clears the run.
   */
  private async open(id: string, now: Date, policy: OpenPolicy): Promise<Circuit | undefined> {
    const to = opened(now, policy);
    const condition = openCondition(now, policy);
    const item = await this.update(id, {
      UpdateExpression: OPEN,
      ConditionExpression: condition.expression,
      ExpressionAttributeValues: {
        ...condition.values,
        ':open': to.state,
        ':since': to.since,
        ':probeAt': to.probeAt,
        ':backoff': to.backoffMs,
        ':zero': 0,
      },
      ReturnValues: 'ALL_NEW',
    });
    return item && circuitFromItem(item);
  }

  async resetFailures(id: string): Promise<void> {
    await this.update(id, {
      UpdateExpression: 'SET #failures = :zero REMOVE #runStart',
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

  async close(id: string, now: Date): Promise<{ openedAt?: string } | undefined> {
    const old = await this.update(id, {
      UpdateExpression: 'SET #state = :closed, #since = :now, #failures = :zero, #waiting = :zero REMOVE #probeAt, #backoff, #runStart',
      ConditionExpression: IS_PROBING,
      ExpressionAttributeValues: { ':closed': 'closed', ':probing': 'probing', ':now': now.toISOString(), ':zero': 0 },
      // The stored opening, not a sender's cached copy of it: its wait list is the one to release.
      ReturnValues: 'UPDATED_OLD',
    });
    if (old === undefined) return undefined;
    const openedAt = old[A.since];
    return typeof openedAt === 'string' ? { openedAt } : {};
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
