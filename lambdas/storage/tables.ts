// The one definition of every table: the CDK stack builds its tables from it and the local runtime
// (and the storage tests) create theirs from it with CreateTable. Keep it plain data, no CDK imports.

export type AttributeType = 'S' | 'N';

export interface KeyDefinition {
  name: string;
  type: AttributeType;
}

export interface IndexDefinition {
  indexName: string;
  partitionKey: KeyDefinition;
  sortKey?: KeyDefinition;
  /** KEYS_ONLY keeps index writes to key changes: an update of other attributes costs no index write. */
  projection: 'ALL' | 'KEYS_ONLY';
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

/** Number of partitions of the pending index, so that no single index partition takes every write. */
export const PENDING_SHARDS = 8;

export const SUBSCRIPTIONS_BY_STATUS = 'byStatus';
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
      projection: 'ALL',
    },
  ],
  // Deleted subscriptions stay as tombstones until the deliveries that name them have expired.
  ttlAttribute: TTL_ATTRIBUTE,
};

/** One item per accepted event: its body (stored once, not per delivery) and the fan-out plan. */
export const eventsTable: TableDefinition = {
  id: 'events',
  partitionKey: { name: 'eventId', type: 'S' },
  indexes: [],
  ttlAttribute: TTL_ATTRIBUTE,
};

/**
 * Deliveries keyed by (eventId, subscriptionId): "by id" is a GetItem on the pair the id encodes and
 * "by event" is a Query, so neither needs an index.
 */
export const deliveriesTable: TableDefinition = {
  id: 'deliveries',
  partitionKey: { name: 'eventId', type: 'S' },
  sortKey: { name: 'subscriptionId', type: 'S' },
  indexes: [
    {
      indexName: DELIVERIES_BY_SUBSCRIPTION,
      partitionKey: { name: 'subscriptionId', type: 'S' },
      sortKey: { name: 'createdAt', type: 'S' },
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
