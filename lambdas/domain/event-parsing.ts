// What ingest accepts as a CRM event: a JSON object with a string `type`. The body itself is kept
// as received; parsing only reads the id and the type.

export const MAX_EVENT_ID_LENGTH = 200;
export const MAX_EVENT_TYPE_LENGTH = 200;
/** Event ids become part of delivery ids and of the DynamoDB key: printable ASCII, no spaces. */
const EVENT_ID = /^[\x21-\x7e]+$/;

export type ParsedEvent = { ok: true; eventId: string; type: string } | { ok: false; reason: string };

export function parseEvent(body: string, messageId: string, maxBytes: number): ParsedEvent {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > maxBytes) return reject(`event is ${bytes} bytes, more than the limit of ${maxBytes} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    // The parser's message quotes part of the body (customer data): keep it out of logs and the DLQ.
    return reject('body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return reject(`event must be a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  }
  const record = value as Record<string, unknown>;
  const type = record.type;
  if (typeof type !== 'string' || type.trim() === '') return reject('event has no `type`: it must be a non-empty string');
  if (type.length > MAX_EVENT_TYPE_LENGTH) return reject(`event \`type\` is longer than ${MAX_EVENT_TYPE_LENGTH} characters`);
  if (!('id' in record) || record.id === undefined) return { ok: true, eventId: messageId, type };
  const id = record.id;
  let eventId: string;
  if (typeof id === 'number') {
    if (!Number.isSafeInteger(id)) return reject('event `id` must be an integer or a string');
    eventId = String(id);
  } else if (typeof id === 'string') {
    eventId = id;
  } else {
    return reject(`event \`id\` must be an integer or a string, got ${id === null ? 'null' : typeof id}`);
  }
  if (eventId.length === 0 || eventId.length > MAX_EVENT_ID_LENGTH || !EVENT_ID.test(eventId)) {
    return reject(`event \`id\` must be 1 to ${MAX_EVENT_ID_LENGTH} printable ASCII characters without spaces`);
  }
  return { ok: true, eventId, type };
}

function reject(reason: string): ParsedEvent {
  return { ok: false, reason };
}
