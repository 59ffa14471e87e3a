// DynamoDB item sizes and request units as AWS documents them ("Item sizes and formats", "Read/write
// capacity mode", "Global secondary indexes: provisioned throughput"): what one request costs.
import type { Item } from './expressions';

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');

/** Bytes of one attribute value: strings UTF-8, numbers 1 byte per 2 significant digits + 1. */
export function valueSize(value: unknown): number {
  if (typeof value === 'string') return utf8(value);
  if (typeof value === 'number') return numberSize(value);
  if (typeof value === 'boolean' || value === null) return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) {
    let size = 0;
    for (const member of value) size += valueSize(member);
    return size;
  }
  if (Array.isArray(value)) {
    // A list: 3 bytes, plus 1 byte per element.
    let size = 3;
    for (const element of value) size += 1 + valueSize(element);
    return size;
  }
  if (typeof value === 'object') {
    // A map: 3 bytes, plus per entry 1 byte, its name and its value.
    let size = 3;
    for (const [name, v] of Object.entries(value as Item)) if (v !== undefined) size += 1 + utf8(name) + valueSize(v);
    return size;
  }
  throw new Error(`fake DynamoDB: cannot size a ${typeof value}`);
}

function numberSize(value: number): number {
  let digits: number;
  if (Number.isSafeInteger(value)) {
    // Significant digits of an integer: its decimal digits without trailing zeros.
    let n = Math.abs(value);
    while (n !== 0 && n % 10 === 0) n /= 10;
    digits = n === 0 ? 1 : String(n).length;
  } else {
    digits = Math.abs(value).toExponential().replace(/e.*$/, '').replace('.', '').replace(/0+$/, '').length;
  }
  return Math.ceil(Math.max(1, digits) / 2) + 1;
}

/** Sizes of stored items, which are frozen and replaced (never changed) on every write. */
const storedSizes = new WeakMap<Item, number>();

/** Item size: every attribute's name plus its value. */
export function itemSize(item: Item): number {
  const known = storedSizes.get(item);
  if (known !== undefined) return known;
  let size = 0;
  for (const name in item) {
    const value = item[name];
    if (value !== undefined) size += utf8(name) + valueSize(value);
  }
  if (Object.isFrozen(item)) storedSizes.set(item, size);
  return size;
}

/** Write request units of a write whose larger item image is `bytes` (1 per KB started, at least 1). */
export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}

/** Read request units for `bytes` read in one item (GetItem, each BatchGetItem item) or one Query page. */
export function readUnits(bytes: number, consistent: boolean): number {
  const units = Math.max(1, Math.ceil(bytes / 4096));
  return consistent ? units : units / 2;
}

export interface IndexShape {
  name: string;
  partitionKey: string;
  sortKey?: string;
  projection: 'ALL' | 'KEYS_ONLY' | { include: readonly string[] };
}

/** An index entry's size: table keys, index keys and projected attributes, plus 100 bytes overhead. */
export function indexEntry(item: Item | undefined, index: IndexShape, tableKeys: readonly string[]): Item | undefined {
  if (!item || item[index.partitionKey] === undefined) return undefined;
  if (index.sortKey !== undefined && item[index.sortKey] === undefined) return undefined;
  if (index.projection === 'ALL') return item;
  const entry: Item = {};
  const included = index.projection === 'KEYS_ONLY' ? [] : index.projection.include;
  for (const key of [...tableKeys, index.partitionKey, ...(index.sortKey ? [index.sortKey] : []), ...included]) {
    if (item[key] !== undefined) entry[key] = item[key];
  }
  return entry;
}

/**
 * Write units one table write costs in one global secondary index: a new entry is one write, a
 * removed entry one, a changed index key a delete plus a put, a changed projected attribute one.
 */
export function indexWriteUnits(
  before: Item | undefined,
  after: Item | undefined,
  index: IndexShape,
  tableKeys: readonly string[],
): number {
  const old = indexEntry(before, index, tableKeys);
  const now = indexEntry(after, index, tableKeys);
  const units = (entry: Item) => writeUnits(itemSize(entry) + 100);
  if (!old && !now) return 0;
  if (!old) return units(now!);
  if (!now) return units(old);
  const keyChanged =
    old[index.partitionKey] !== now[index.partitionKey] || (index.sortKey !== undefined && old[index.sortKey] !== now[index.sortKey]);
  if (keyChanged) return units(old) + units(now);
  if (index.projection !== 'KEYS_ONLY' && !deepEqual(old, now)) return units(now);
  return 0;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Item)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Item)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Item)[k], (b as Item)[k]));
}
