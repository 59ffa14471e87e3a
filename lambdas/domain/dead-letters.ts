// Support's view of the two dead-letter queues (the `dead-letters` function): list what is parked
// there and why, show one message, send messages back to their work queue (redrive) or drop them
// (purge). Queues are walked message by message (SQS has no lookup by id); a walk sees each message
// once and leaves what it keeps visible again.
import * as z from 'zod';
import { parseInput } from './input';
import { NotFoundError, ValidationError } from './errors';
import type { DeadLetterSummary } from './types';

export type { DeadLetterSummary };

export const DEAD_LETTER_QUEUES = ['events', 'deliveries'] as const;
export type DeadLetterQueueName = (typeof DEAD_LETTER_QUEUES)[number];

/** A message in a dead-letter queue, as the adapters read it. */
export interface ParkedMessage {
  messageId: string;
  body: string;
  /** Its string message attributes: a rejected event carries `reason`, `sourceMessageId`, `rejectedAt`. */
  attributes: Record<string, string>;
  /** When it was first sent to its work queue (ISO 8601). */
  sentAt: string;
  /** How often it was received, counting the receives before it was parked. */
  receiveCount: number;
}

/** keep: leave it parked; redrive: send it back to its work queue, then delete it; delete: drop it; stop: keep it and end the walk. */
export type ParkedDecision = 'keep' | 'redrive' | 'delete' | 'stop';

export interface ParkedQueue {
  approximateDepth(): Promise<number>;
  /**
   * Shows each message to `decide` at most once, up to `max` or until `done()`, and carries out each
   * decision. Messages kept are visible again when it returns.
   */
  visit(max: number, decide: (message: ParkedMessage) => ParkedDecision, done?: () => boolean): Promise<void>;
}

export interface DeadLetterDeps {
  queues: Record<DeadLetterQueueName, ParkedQueue>;
}

/** Parking attributes: a redriven message goes back without them, as the CRM sent it. */
export const PARKING_ATTRIBUTES = ['reason', 'sourceMessageId', 'rejectedAt'] as const;

export const MAX_LIST = 100;
const DEFAULT_LIST = 20;
/** Most messages one redrive or purge moves, and one show looks through: within a 60 s invocation. */
export const MAX_WALK = 1000;
const MAX_IDS = 100;
export const EXCERPT_BYTES = 200;

const queue = z.enum(DEAD_LETTER_QUEUES, { message: `must be one of ${DEAD_LETTER_QUEUES.join(', ')}` });
const messageId = z.string().min(1, 'must not be empty').max(200, 'at most 200 characters');
const list = z.strictObject({
  action: z.literal('list'),
  queue,
  limit: z.number().int().min(1).max(MAX_LIST, `at most ${MAX_LIST}`).optional(),
});
const show = z.strictObject({ action: z.literal('show'), queue, messageId });
const change = z
  .strictObject({
    action: z.enum(['redrive', 'purge']),
    queue,
    messageIds: z.array(messageId).min(1, 'must name at least one message').max(MAX_IDS, `at most ${MAX_IDS} per call`).optional(),
    all: z.literal(true, { message: 'must be true (or leave it out and name messageIds)' }).optional(),
  })
  .refine((c) => (c.messageIds === undefined) !== (c.all === undefined), {
    message: 'give either messageIds or "all": true',
    path: ['messageIds'],
  });

export type DeadLetterResponse =
  | { queue: DeadLetterQueueName; depth: number; messages: DeadLetterSummary[] }
  | { queue: DeadLetterQueueName; message: DeadLetterSummary & { body: string; attributes: Record<string, string> } }
  | { queue: DeadLetterQueueName; redriven: string[]; notFound: string[]; remaining: number }
  | { queue: DeadLetterQueueName; purged: string[]; notFound: string[]; remaining: number };

export async function handleDeadLetters(deps: DeadLetterDeps, input: unknown): Promise<DeadLetterResponse> {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new ValidationError('dead-letters request must be a JSON object');
  const action = (input as { action?: unknown }).action;
  if (action === 'list') {
    const req = parseInput(list, input, 'list request');
    return listParked(deps.queues[req.queue], req.queue, req.limit ?? DEFAULT_LIST);
  }
  if (action === 'show') {
    const req = parseInput(show, input, 'show request');
    return showParked(deps.queues[req.queue], req.queue, req.messageId);
  }
  if (action === 'redrive' || action === 'purge') {
    const req = parseInput(change, input, `${action} request`);
    return changeParked(deps.queues[req.queue], req.queue, action, req.messageIds);
  }
  throw new ValidationError('action: must be one of list, show, redrive, purge');
}

async function listParked(parked: ParkedQueue, name: DeadLetterQueueName, limit: number): Promise<DeadLetterResponse> {
  const messages: DeadLetterSummary[] = [];
  await parked.visit(limit, (message) => {
    messages.push(summaryOf(name, message));
    return 'keep';
  });
  return { queue: name, depth: Math.max(messages.length, await parked.approximateDepth()), messages };
}

async function showParked(parked: ParkedQueue, name: DeadLetterQueueName, id: string): Promise<DeadLetterResponse> {
  let found: ParkedMessage | undefined;
  await parked.visit(MAX_WALK, (message) => {
    if (message.messageId !== id) return 'keep';
    found = message;
    return 'stop';
  });
  if (!found) throw new NotFoundError(`messageId: no message ${id} in the ${name} dead-letter queue`);
  return { queue: name, message: { ...summaryOf(name, found), body: found.body, attributes: found.attributes } };
}

async function changeParked(
  parked: ParkedQueue,
  name: DeadLetterQueueName,
  action: 'redrive' | 'purge',
  ids?: string[],
): Promise<DeadLetterResponse> {
  const wanted = ids ? new Set(ids) : undefined;
  const done: string[] = [];
  await parked.visit(
    MAX_WALK,
    (message) => {
      if (wanted && !wanted.has(message.messageId)) return 'keep';
      done.push(message.messageId);
      wanted?.delete(message.messageId);
      return action === 'redrive' ? 'redrive' : 'delete';
    },
    () => wanted !== undefined && wanted.size === 0,
  );
  const notFound = wanted ? [...wanted] : [];
  const remaining = await parked.approximateDepth();
  return action === 'redrive' ? { queue: name, redriven: done, notFound, remaining } : { queue: name, purged: done, notFound, remaining };
}

/** Why a message is parked: the reason ingest gave, else the queue's own redrive after five failed receives. */
export function reasonOf(name: DeadLetterQueueName, message: Pick<ParkedMessage, 'attributes' | 'receiveCount'>): string {
  const given = message.attributes.reason;
  if (given !== undefined && given !== '') return given;
  const what = name === 'events' ? 'ingest' : 'the sender';
  const times = message.receiveCount > 0 ? `${message.receiveCount} times` : 'repeatedly';
  return `${what} failed on it ${times} (moved here by the queue); see the ${name === 'events' ? 'ingest' : 'sender'} log`;
}

function summaryOf(name: DeadLetterQueueName, message: ParkedMessage): DeadLetterSummary {
  const rejectedAt = message.attributes.rejectedAt;
  return {
    messageId: message.messageId,
    reason: reasonOf(name, message),
    sentAt: message.sentAt,
    ...(rejectedAt ? { rejectedAt } : {}),
    receiveCount: message.receiveCount,
    bytes: Buffer.byteLength(message.body, 'utf8'),
    excerpt: textPrefix(message.body, EXCERPT_BYTES),
  };
}

/** At most `maxBytes` of UTF-8, never splitting a character. */
export function textPrefix(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}
