// The one definition of every table: the CDK stack builds its tables from it and the local runtime
// (and the storage tests) create theirs from it with CreateTable. Keep it plain data, no CDK imports.
import { CIRCUIT_LANE_ATTRIBUTES } from '../adapters/dynamo/circuit-items';

export type AttributeType = 'S' | 'N';

export interface KeyDefinition {
  name: string;
  type: AttributeType;
}

export interface IndexDefinition {
  indexName: string;
  partitionKey: KeyDefinition;
  sortKey?: KeyDefinition;
  /**
   * KEYS_ONLY keeps index writes to key changes: an update of other attributes costs no index write.
   * `include` adds the named attributes; an update that changes none of them, nor a key, costs none either.
   */
  projection: 'ALL' | 'KEYS_ONLY' | { include: readonly string[] };
}

export interface TableDefinition {
  /** Logical name; the deployed table name is chosen by CloudFormation and passed in by environment. */
  id: 'subscriptions' | 'events' | 'deliveries' | 'attempts' | 'fanouts' | 'limits';
  partitionKey: KeyDefinition;
  sortKey?: KeyDefinition;
  indexes: IndexDefinition[];
  /** Epoch-seconds attribute DynamoDB TTL expires items by. */
  ttlAttribute?: string;
}

export const TTL_ATTRIBUTE = 'expiresAt';

/**
 * Partitions of the pending index: every retry, deferral and resend moves an entry, and each index
 * partition key takes at most 1,000 write units a second, so 32 of them take 32,000 (docs/architecture.md).
 */
export const PENDING_SHARDS = 32;

/**
 * Partitions of each subscription in the `bySubscription` index: one subscription may get thousands
 * of new deliveries a second (a burst, a backlog drained), more than one index partition key takes
 * (1,000 write units a second). A time window is read from all of them, merged in order.
 */
export const SUBSCRIPTION_SHARDS = 10;

export const SUBSCRIPTIONS_BY_STATUS = 'byStatus';
/** The attributes of a subscription its `byStatus` entry holds besides the keys: what fan-out reads. */
export const SUBSCRIPTION_TARGET_ATTRIBUTES: readonly string[] = ['eventTypes', ...CIRCUIT_LANE_ATTRIBUTES];
export const DELIVERIES_BY_SUBSCRIPTION = 'bySubscription';
export const DELIVERIES_PENDING = 'pending';

export const subscriptionsTable: TableDefinition = {
  id: 'subscriptions',
  partitionKey: { name: 'id', type: 'S' },
  indexes: [
    {
      indexName: SUBSCRIPTIONS_BY_STATUS,
      partitionKey: { name: 'status', type: 'S' },
      sortKey: { name: 'createdAt', type: 'S' },
      // What fan-out reads (the types a subscription wants, and what picks its lane), not the
      // failing run or the circuit's counters: those change at every counted failure, deferral and
      // probe of any subscription, and every index write would land on one partition key (`active`).
      projection: { include: SUBSCRIPTION_TARGET_ATTRIBUTES },
    },
  ],
  // Deleted subscriptions stay as tombstones until the deliveries that name them have expired.
  ttlAttribute: TTL_ATTRIBUTE,
};

/**
 * One item per accepted event: its body (stored once, not per delivery) and the fan-out plan. A plan
 * too large for one item (at most 400 KB: about 15,000 subscription ids) lies in plan chunk items
 * of the same table, each under a key of its own, `<eventId> <planId> <n>` (event ids have no
 * spaces), so that no key takes more than one chunk's writes.
 */
export const eventsTable: TableDefinition = {
  id: 'events',
  partitionKey: { name: 'eventId', type: 'S' },
  indexes: [],
  ttlAttribute: TTL_ATTRIBUTE,
};

/**
 * Deliveries keyed by their id (`<eventId>.<subscriptionId>`): "by id" is a GetItem, and the
 * deliveries of one event, each under its own key, spread over the table's partitions however many
 * subscriptions the event has. "By event" is the event's plan and a BatchGetItem of its ids.
 */
export const deliveriesTable: TableDefinition = {
  id: 'deliveries',
  partitionKey: { name: 'deliveryId', type: 'S' },
  indexes: [
    {
      // `<subscriptionId>#<shard>` and `<createdAt>#<deliveryId>`: a subscription's deliveries over
      // SUBSCRIPTION_SHARDS partition keys, in creation order within each, with a unique sort key.
      indexName: DELIVERIES_BY_SUBSCRIPTION,
      partitionKey: { name: 'subscriptionShard', type: 'S' },
      sortKey: { name: 'createdKey', type: 'S' },
      projection: 'KEYS_ONLY',
    },
    {
      // Sparse: only pending deliveries carry `pendingShard`, so the sweeper reads nothing else.
      indexName: DELIVERIES_PENDING,
      partitionKey: { name: 'pendingShard', type: 'S' },
      sortKey: { name: 'nextAttemptAt', type: 'S' },
      projection: 'KEYS_ONLY',
    },
  ],
  ttlAttribute: TTL_ATTRIBUTE,
};

export const attemptsTable: TableDefinition = {
  id: 'attempts',
  partitionKey: { name: 'deliveryId', type: 'S' },
  sortKey: { name: 'attempt', type: 'N' },
  indexes: [],
  ttlAttribute: TTL_ATTRIBUTE,
};

/** Partitions per minute of the fan-out log, so that no single partition takes every ingest write. */
export const FANOUT_SHARDS = 8;

/**
 * The fan-out log: one small item per ingest batch listing its event ids, keyed by the minute it was
 * written (`<minute>#<shard>`). A delivery item is created by its first attempt's claim, so until
 * then only its event's plan knows it; the sweeper reads each minute once, after the grace period,
 * and puts every delivery of those events that is not yet settled under its watch (the pending
 * index). One write per batch instead of an index entry per delivery. Also holds the sweeper's
 * checkpoint (`bucket` = `checkpoint`).
 */
export const fanoutsTable: TableDefinition = {
  id: 'fanouts',
  partitionKey: { name: 'bucket', type: 'S' },
  sortKey: { name: 'batchId', type: 'S' },
  indexes: [],
  ttlAttribute: TTL_ATTRIBUTE,
};

/**
 * What the sender instances share to keep every subscription's limits: concurrency slot leases
 * (`slot#<subscription>#<k>`) and the ends of its lines of send times and wake-ups
 * (`line#<subscription>`). Small items, each changed by one conditional write, expiring by TTL.
 */
export const limitsTable: TableDefinition = {
  id: 'limits',
  partitionKey: { name: 'key', type: 'S' },
  indexes: [],
  ttlAttribute: TTL_ATTRIBUTE,
};

export const tableDefinitions: TableDefinition[] = [
  subscriptionsTable,
  eventsTable,
  deliveriesTable,
  attemptsTable,
  fanoutsTable,
  limitsTable,
];
