// Page cursors are the query's LastEvaluatedKey, opaque to callers: base64url of its JSON.
import { ValidationError } from '../../domain/errors';

export function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/**
 * Decodes a cursor whose key holds exactly the given string attributes. Anything else (garbage,
 * a cursor of another query shape) is a caller error rather than a DynamoDB one.
 */
export function decodeCursor(cursor: string, attributes: readonly string[]): Record<string, string> {
  const invalid = () => new ValidationError('cursor is invalid');
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof key !== 'object' || key === null || Array.isArray(key)) throw invalid();
  const entries = Object.entries(key);
  if (entries.length !== attributes.length) throw invalid();
  for (const [name, value] of entries) {
    if (!attributes.includes(name) || typeof value !== 'string') throw invalid();
  }
  return key as Record<string, string>;
}
