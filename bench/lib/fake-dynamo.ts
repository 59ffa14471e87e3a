// An in-memory DynamoDB behind the document client's `send`, for the benchmarks. The real
// repositories (lambdas/adapters/dynamo) run unchanged against it: every request they make is
// executed here with DynamoDB's semantics (conditions, update expressions, batch limits, query
// pages) and counted, with the request units it would consume in AWS, GSI writes included. The
// tables and indexes come from the one definition the stack uses (lambdas/storage/tables.ts).
//
// Not simulated: latency, throttling, UnprocessedItems, the SDK's own marshalling and signing (like
// aws-sdk-client-mock, this replaces `send`).
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableNames } from '../../lambdas/adapters/dynamo/table-names';
import { tableDefinitions, type TableDefinition } from '../../lambdas/storage/tables';
import { indexEntry, indexWriteUnits, itemSize, readUnits, writeUnits, type IndexShape } from './capacity';
import { applyUpdate, evaluateCondition, type Item, type Names, type Values } from './expressions';

const MAX_BATCH_WRITE = 25;
const MAX_BATCH_GET = 100;
const MAX_PAGE_BYTES = 1024 * 1024;

interface TableShape {
  id: TableDefinition['id'];
  name: string;
  partitionKey: string;
  sortKey?: string;
  keys: string[];
  indexes: IndexShape[];
  items: Map<string, Item>;
}

/** What the requests so far would have cost: counts by operation and table, request units by table and index. */
export class DynamoCounts {
  /** `Operation` -> requests, e.g. `UpdateItem`. */
  readonly requests = new Map<string, number>();
  /** `table:Operation` -> requests. */
  readonly byTable = new Map<string, number>();
  /** Table id -> write request units of the table itself. */
  readonly tableWru = new Map<string, number>();
  /** `table.index` -> write request units of the global secondary index. */
  readonly indexWru = new Map<string, number>();
  /** Table id (or `table.index`) -> read request units. */
  readonly rru = new Map<string, number>();
  /**
   * Request units by partition key: `<table> <key value>` for a table, `<table>.<index> <key value>`
   * for an index (AWS's limits hold per partition key: 1,000 WCU and 3,000 RCU a second).
   */
  readonly keyWru = new Map<string, number>();
  readonly keyRru = new Map<string, number>();
  /** Writes that carried a ConditionExpression, and how many of them failed it. */
  conditionalWrites = 0;
  conditionalFailures = 0;

  count(op: string, table: string): void {
    bump(this.requests, op, 1);
    bump(this.byTable, `${table}:${op}`, 1);
  }

  totalRequests(): number {
    return total(this.requests);
  }

  totalWru(): number {
    return total(this.tableWru) + total(this.indexWru);
  }

  totalRru(): number {
    return total(this.rru);
  }

  reset(): void {
    for (const map of [this.requests, this.byTable, this.tableWru, this.indexWru, this.rru, this.keyWru, this.keyRru]) map.clear();
    this.conditionalWrites = 0;
    this.conditionalFailures = 0;
  }

  /** A plain copy, for printing and JSON. */
  toJSON(): Record<string, unknown> {
    return {
      requests: Object.fromEntries(this.requests),
      byTable: Object.fromEntries(this.byTable),
      tableWru: Object.fromEntries(this.tableWru),
      indexWru: Object.fromEntries(this.indexWru),
      rru: Object.fromEntries(this.rru),
      conditionalWrites: this.conditionalWrites,
      conditionalFailures: this.conditionalFailures,
    };
  }
}

function bump(map: Map<string, number>, key: string, by: number): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

function total(map: Map<string, number>): number {
  let sum = 0;
  for (const v of map.values()) sum += v;
  return sum;
}

/**
 * Deep, frozen copy of plain item data: nothing the caller keeps aliases what is stored, and what is
 * handed out can be shared without copying, since an attempt to change it throws (strict mode).
 */
function clone<T>(value: T): T {
  if (Array.isArray(value)) return Object.freeze(value.map(clone)) as T;
  if (value instanceof Set) return new Set([...value].map(clone)) as T;
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    if (Object.isFrozen(value)) return value;
    const out: Item = {};
    for (const k in value) {
      const v = (value as Item)[k];
      if (v !== undefined) out[k] = clone(v);
    }
    return Object.freeze(out) as T;
  }
  return value;
}

function conditionFailed(): Error {
  return Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
}

function validation(message: string): Error {
  return Object.assign(new Error(message), { name: 'ValidationException' });
}

interface CommandLike {
  constructor: { name: string };
  input: Record<string, unknown>;
}

export class FakeDynamo {
  readonly counts = new DynamoCounts();
  /** Time spent inside the fake itself (its work is synchronous), to tell it apart from the caller's. */
  busyMs = 0;
  private readonly tables = new Map<string, TableShape>();

  constructor(names: TableNames) {
    for (const def of tableDefinitions) {
      const name = names[def.id];
      this.tables.set(name, {
        id: def.id,
        name,
        partitionKey: def.partitionKey.name,
        sortKey: def.sortKey?.name,
        keys: [def.partitionKey.name, ...(def.sortKey ? [def.sortKey.name] : [])],
        indexes: def.indexes.map((index) => ({
          name: index.indexName,
          partitionKey: index.partitionKey.name,
          sortKey: index.sortKey?.name,
          projection: index.projection,
        })),
        items: new Map(),
      });
    }
  }

  /**
   * The document client the repositories take. Only `send` is ever called on it (the adapters are
   * written that way), so a structural stand-in is enough; the cast says so to the type checker.
   */
  documentClient(): DynamoDBDocumentClient {
    return { send: (command: CommandLike) => this.send(command) } as unknown as DynamoDBDocumentClient;
  }

  /** Items of a table by id, for checks after a run (copies). */
  items(table: TableDefinition['id']): Item[] {
    const shape = [...this.tables.values()].find((t) => t.id === table);
    return shape ? [...shape.items.values()].map(clone) : [];
  }

  /**
   * Stored bytes by table and index as DynamoDB bills storage: every item and every index entry
   * with its 100 bytes of overhead.
   */
  storageBytes(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const table of this.tables.values()) {
      let bytes = 0;
      for (const item of table.items.values()) bytes += itemSize(item) + 100;
      out[table.id] = bytes;
      for (const index of table.indexes) {
        let indexBytes = 0;
        for (const item of table.items.values()) {
          const entry = indexEntry(item, index, table.keys);
          if (entry) indexBytes += itemSize(entry) + 100;
        }
        out[`${table.id}.${index.name}`] = indexBytes;
      }
    }
    return out;
  }

  getItem(table: TableDefinition['id'], key: Item): Item | undefined {
    const shape = [...this.tables.values()].find((t) => t.id === table)!;
    const item = shape.items.get(this.keyString(shape, key));
    return item && clone(item);
  }

  async send(command: CommandLike): Promise<unknown> {
    const start = performance.now();
    try {
      return this.execute(command);
    } finally {
      this.busyMs += performance.now() - start;
    }
  }

  private execute(command: CommandLike): unknown {
    const input = command.input;
    switch (command.constructor.name) {
      case 'GetCommand':
        return this.get(input);
      case 'PutCommand':
        return this.put(input);
      case 'UpdateCommand':
        return this.update(input);
      case 'DeleteCommand':
        return this.delete(input);
      case 'BatchWriteCommand':
        return this.batchWrite(input);
      case 'BatchGetCommand':
        return this.batchGet(input);
      case 'QueryCommand':
        return this.query(input);
      case 'DescribeTableCommand':
        // A control-plane call, not billed per request. The fake does not say when its tables were
        // made: a first sweep looks back its full hour, as it did before it asked.
        return { Table: { TableName: this.table(input.TableName).name, TableStatus: 'ACTIVE' } };
      default:
        throw new Error(`fake DynamoDB: ${command.constructor.name} is not implemented`);
    }
  }

  private table(name: unknown): TableShape {
    const table = this.tables.get(String(name));
    if (!table)
      throw Object.assign(new Error(`Requested resource not found: Table: ${String(name)} not found`), {
        name: 'ResourceNotFoundException',
      });
    return table;
  }

  private keyString(table: TableShape, key: Item): string {
    const parts = table.keys.map((k) => {
      const v = key[k];
      if (typeof v !== 'string' && typeof v !== 'number') throw validation(`The provided key element ${k} does not match the schema`);
      return `${typeof v}:${v}`;
    });
    return parts.join('\u0000');
  }

  private get(input: Item): Item {
    const table = this.table(input.TableName);
    const item = table.items.get(this.keyString(table, input.Key as Item));
    this.counts.count('GetItem', table.id);
    const units = readUnits(item ? itemSize(item) : 0, input.ConsistentRead === true);
    bump(this.counts.rru, table.id, units);
    bump(this.counts.keyRru, `${table.id} ${String((input.Key as Item)[table.partitionKey])}`, units);
    return item ? { Item: project(clone(item), input) } : {};
  }

  /** Stores `after` in place of `before`, charging the table and every index. */
  private write(table: TableShape, key: string, before: Item | undefined, after: Item | undefined): void {
    if (after) table.items.set(key, after);
    else table.items.delete(key);
    const units = writeUnits(Math.max(before ? itemSize(before) : 0, after ? itemSize(after) : 0));
    bump(this.counts.tableWru, table.id, units);
    bump(this.counts.keyWru, `${table.id} ${String((after ?? before)?.[table.partitionKey])}`, units);
    for (const index of table.indexes) {
      const indexUnits = indexWriteUnits(before, after, index, table.keys);
      if (indexUnits === 0) continue;
      bump(this.counts.indexWru, `${table.id}.${index.name}`, indexUnits);
      // A moved entry is a delete in its old partition and a put in its new one.
      const partitions = [before, after].flatMap((image) =>
        indexEntry(image, index, table.keys) ? [String(image![index.partitionKey])] : [],
      );
      const distinct = [...new Set(partitions)];
      for (const partition of distinct) bump(this.counts.keyWru, `${table.id}.${index.name} ${partition}`, indexUnits / distinct.length);
    }
  }

  /** Checks the write's condition; a failed one still costs the units of the item it read. */
  private checkCondition(table: TableShape, input: Item, before: Item | undefined): void {
    const expression = input.ConditionExpression as string | undefined;
    if (expression === undefined) return;
    this.counts.conditionalWrites += 1;
    if (evaluateCondition(expression, before, input.ExpressionAttributeNames as Names, input.ExpressionAttributeValues as Values)) return;
    this.counts.conditionalFailures += 1;
    bump(this.counts.tableWru, table.id, writeUnits(before ? itemSize(before) : 0));
    bump(
      this.counts.keyWru,
      `${table.id} ${String(((input.Key ?? input.Item) as Item | undefined)?.[table.partitionKey])}`,
      writeUnits(before ? itemSize(before) : 0),
    );
    // As DynamoDB does when asked, the item comes with the error (the limiter store learns from it).
    throw Object.assign(
      conditionFailed(),
      input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && before ? { Item: clone(before) } : {},
    );
  }

  private put(input: Item): Item {
    const table = this.table(input.TableName);
    this.counts.count('PutItem', table.id);
    const item = clone(input.Item as Item);
    const key = this.keyString(table, item);
    const before = table.items.get(key);
    this.checkCondition(table, input, before);
    this.write(table, key, before, item);
    return {};
  }

  private delete(input: Item): Item {
    const table = this.table(input.TableName);
    this.counts.count('DeleteItem', table.id);
    const key = this.keyString(table, input.Key as Item);
    const before = table.items.get(key);
    this.checkCondition(table, input, before);
    if (before) this.write(table, key, before, undefined);
    return {};
  }

  private update(input: Item): Item {
    const table = this.table(input.TableName);
    this.counts.count('UpdateItem', table.id);
    const keyItem = input.Key as Item;
    const key = this.keyString(table, keyItem);
    const before = table.items.get(key);
    this.checkCondition(table, input, before);
    const names = input.ExpressionAttributeNames as Names;
    const after = clone(
      applyUpdate(input.UpdateExpression as string, before ?? clone(keyItem), names, input.ExpressionAttributeValues as Values),
    );
    for (const k of table.keys)
      if (after[k] !== keyItem[k]) throw validation(`Cannot update attribute ${k}. This attribute is part of the key`);
    this.write(table, key, before, after);
    switch (input.ReturnValues) {
      case undefined:
      case 'NONE':
        return {};
      case 'ALL_NEW':
        return { Attributes: clone(after) };
      case 'ALL_OLD':
        return before ? { Attributes: clone(before) } : {};
      default:
        throw new Error(`fake DynamoDB: ReturnValues ${String(input.ReturnValues)} is not implemented`);
    }
  }

  private batchWrite(input: Item): Item {
    const requestItems = input.RequestItems as Record<string, Array<{ PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }>>;
    const entries = Object.values(requestItems).reduce((n, list) => n + list.length, 0);
    if (entries === 0 || entries > MAX_BATCH_WRITE)
      throw validation(`BatchWriteItem takes 1 to ${MAX_BATCH_WRITE} requests, got ${entries}`);
    const tables = Object.keys(requestItems).map((name) => this.table(name));
    this.counts.count('BatchWriteItem', tables.map((t) => t.id).join('+'));
    for (const table of tables) {
      for (const request of requestItems[table.name]) {
        if (request.PutRequest) {
          const item = clone(request.PutRequest.Item);
          const key = this.keyString(table, item);
          this.write(table, key, table.items.get(key), item);
        } else if (request.DeleteRequest) {
          const key = this.keyString(table, request.DeleteRequest.Key);
          this.write(table, key, table.items.get(key), undefined);
        }
      }
    }
    return { UnprocessedItems: {} };
  }

  private batchGet(input: Item): Item {
    const requestItems = input.RequestItems as Record<string, { Keys: Item[]; ConsistentRead?: boolean; ProjectionExpression?: string }>;
    const keys = Object.values(requestItems).reduce((n, r) => n + r.Keys.length, 0);
    if (keys === 0 || keys > MAX_BATCH_GET) throw validation(`BatchGetItem takes 1 to ${MAX_BATCH_GET} keys, got ${keys}`);
    const tables = Object.keys(requestItems).map((name) => this.table(name));
    this.counts.count('BatchGetItem', tables.map((t) => t.id).join('+'));
    const responses: Record<string, Item[]> = {};
    for (const table of tables) {
      const request = requestItems[table.name];
      if (request.ProjectionExpression !== undefined) throw new Error('fake DynamoDB: ProjectionExpression is not implemented');
      const found: Item[] = [];
      for (const k of request.Keys) {
        const item = table.items.get(this.keyString(table, k));
        const units = readUnits(item ? itemSize(item) : 0, request.ConsistentRead === true);
        bump(this.counts.rru, table.id, units);
        bump(this.counts.keyRru, `${table.id} ${String(k[table.partitionKey])}`, units);
        if (item) found.push(clone(item));
      }
      responses[table.name] = found;
    }
    return { Responses: responses, UnprocessedKeys: {} };
  }

  private query(input: Item): Item {
    if (input.FilterExpression !== undefined) throw new Error('fake DynamoDB: FilterExpression is not implemented');
    const table = this.table(input.TableName);
    const indexName = input.IndexName as string | undefined;
    const index = indexName === undefined ? undefined : table.indexes.find((i) => i.name === indexName);
    if (indexName !== undefined && !index) throw validation(`The table does not have the specified index: ${indexName}`);
    if (index && input.ConsistentRead === true) throw validation('Consistent reads are not supported on global secondary indexes');
    const unit = index ? `${table.id}.${index.name}` : table.id;
    this.counts.count('Query', unit);

    const sortKey = index ? index.sortKey : table.sortKey;
    const names = input.ExpressionAttributeNames as Names;
    const values = input.ExpressionAttributeValues as Values;
    const matches: Item[] = [];
    for (const item of table.items.values()) {
      const entry = index ? indexEntry(item, index, table.keys) : item;
      if (entry && evaluateCondition(input.KeyConditionExpression as string, entry, names, values)) matches.push(entry);
    }
    const forward = input.ScanIndexForward !== false;
    if (sortKey !== undefined) {
      matches.sort((a, b) => {
        const x = a[sortKey] as string | number;
        const y = b[sortKey] as string | number;
        const order = x < y ? -1 : x > y ? 1 : tieBreak(a, b, table.keys);
        return forward ? order : -order;
      });
    }
    let start = 0;
    const exclusiveStart = input.ExclusiveStartKey as Item | undefined;
    if (exclusiveStart) {
      const at = matches.findIndex((m) => table.keys.every((k) => m[k] === exclusiveStart[k]));
      start = at + 1;
    }
    const limit = (input.Limit as number | undefined) ?? Number.POSITIVE_INFINITY;
    const page: Item[] = [];
    let bytes = 0;
    let i = start;
    for (; i < matches.length && page.length < limit && bytes < MAX_PAGE_BYTES; i += 1) {
      const entry = matches[i];
      // Index entries are read at their index size (keys, projection and 100 bytes); items at theirs.
      bytes += itemSize(entry) + (index ? 100 : 0);
      page.push(project(clone(entry), input));
    }
    const units = readUnits(bytes, !index && input.ConsistentRead === true);
    bump(this.counts.rru, unit, units);
    const partitionKey = index ? index.partitionKey : table.partitionKey;
    if (matches.length > 0) bump(this.counts.keyRru, `${unit} ${String(matches[0][partitionKey])}`, units);
    const out: Item = { Items: page, Count: page.length, ScannedCount: page.length };
    if (i < matches.length && page.length > 0) {
      const last = page[page.length - 1];
      const keyAttributes = [...table.keys, ...(index ? [index.partitionKey, ...(index.sortKey ? [index.sortKey] : [])] : [])];
      out.LastEvaluatedKey = Object.fromEntries(keyAttributes.map((k) => [k, last[k]]));
    }
    return out;
  }
}

/** ProjectionExpression of top-level attributes (`a, #b`); the read is charged at the whole item's size, as DynamoDB does. */
function project(item: Item, input: Item): Item {
  const expression = input.ProjectionExpression as string | undefined;
  if (expression === undefined) return item;
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const kept = expression
    .split(',')
    .map((p) => p.trim())
    .map((p) => (p.startsWith('#') ? names[p] : p));
  if (kept.some((name) => name === undefined || name.includes('.') || name.includes('['))) {
    throw new Error(`fake DynamoDB: only top-level attributes can be projected, got ${JSON.stringify(expression)}`);
  }
  return Object.fromEntries(Object.entries(item).filter(([name]) => kept.includes(name)));
}

function tieBreak(a: Item, b: Item, keys: readonly string[]): number {
  for (const k of keys) {
    const x = a[k] as string | number;
    const y = b[k] as string | number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
