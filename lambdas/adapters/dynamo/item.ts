// Small helpers shared by the item mappings. Items come back from the document client untyped; the
// readers trust the shape because only these adapters write the tables.
export type Item = Record<string, unknown>;

/** DynamoDB rejects `undefined`; optional fields are left out of the item instead. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** TTL attribute: epoch seconds `retentionDays` after the given ISO 8601 instant. */
export function expiresAtOf(iso: string, retentionDays: number): number {
  const start = Date.parse(iso);
  if (Number.isNaN(start)) throw new Error(`not an ISO 8601 timestamp: ${JSON.stringify(iso)}`);
  return Math.floor(start / 1000) + retentionDays * 86_400;
}

export function optionalString(item: Item, name: string): string | undefined {
  const value = item[name];
  return typeof value === 'string' ? value : undefined;
}

export function optionalNumber(item: Item, name: string): number | undefined {
  const value = item[name];
  return typeof value === 'number' ? value : undefined;
}
