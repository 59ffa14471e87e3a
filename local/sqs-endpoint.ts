// The part of the SQS API the CRM uses to publish events, over the AWS JSON 1.0 protocol that
// @aws-sdk/client-sqs speaks: GetQueueUrl, SendMessage and SendMessageBatch. Requests are not
// signature-checked locally. Errors come back in the AWS JSON error shape, so the SDK throws the
// same error types it would throw in AWS (QueueDoesNotExist, InvalidMessageContents, ...).
import { LOCAL_ACCOUNT, queueUrlOf } from './config';
import { jsonReply, type HttpReply } from './http-reply';
import type { LocalQueue } from './queue';
import { md5OfBody, md5OfMessageAttributes } from './sqs-md5';
import { checkBody, checkDelaySeconds, checkMessageGroupId, checkSize, parseAttributes, SqsError, MAX_MESSAGE_BYTES } from './sqs-rules';

export const SQS_TARGET_PREFIX = 'AmazonSQS.';
const OPERATIONS = ['GetQueueUrl', 'SendMessage', 'SendMessageBatch'] as const;
type Operation = (typeof OPERATIONS)[number];

const MAX_BATCH_ENTRIES = 10;
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

/** The classic (query protocol) codes SQS also sends in x-amzn-query-error for these errors. */
const QUERY_ERROR_CODES: Record<string, string> = {
  QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue',
  UnsupportedOperation: 'AWS.SimpleQueueService.UnsupportedOperation',
  EmptyBatchRequest: 'AWS.SimpleQueueService.EmptyBatchRequest',
  TooManyEntriesInBatchRequest: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
  BatchEntryIdsNotDistinct: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
  InvalidBatchEntryId: 'AWS.SimpleQueueService.InvalidBatchEntryId',
  BatchRequestTooLong: 'AWS.SimpleQueueService.BatchRequestTooLong',
};

export interface SqsEndpointOptions {
  /** The queues reachable through the API, by queue name. */
  queues: Record<string, Pick<LocalQueue, 'send'>>;
  /** This runtime's base URL (`http://127.0.0.1:PORT`); known once the server listens. */
  baseUrl: () => string;
}

interface SendInput {
  MessageBody?: unknown;
  DelaySeconds?: unknown;
  MessageAttributes?: unknown;
  MessageSystemAttributes?: unknown;
  MessageDeduplicationId?: unknown;
  MessageGroupId?: unknown;
}

interface SendResult {
  MessageId: string;
  MD5OfMessageBody: string;
  MD5OfMessageAttributes?: string;
  MD5OfMessageSystemAttributes?: string;
}

export type SqsEndpoint = (target: string, body: string) => HttpReply;

type Queue = Pick<LocalQueue, 'send'>;
type Operations = Record<Operation, (input: Record<string, unknown>) => unknown>;

export function createSqsEndpoint(options: SqsEndpointOptions): SqsEndpoint {
  const operations = operationsOf(queueDirectory(options));
  return (target, body) => {
    try {
      const { operation, input } = parseRequest(target, body);
      return jsonReply(200, operations[operation](input), { 'content-type': 'application/x-amz-json-1.0' });
    } catch (error) {
      if (error instanceof SqsError) return errorReply(error);
      throw error;
    }
  };
}

/** The operation a request names and its JSON input, or the error SQS answers a bad request with. */
function parseRequest(target: string, body: string): { operation: Operation; input: Record<string, unknown> } {
  const operation = target.startsWith(SQS_TARGET_PREFIX) ? target.slice(SQS_TARGET_PREFIX.length) : '';
  if (!(OPERATIONS as readonly string[]).includes(operation)) {
    throw new SqsError(
      'UnsupportedOperation',
      `${target || '(no x-amz-target)'} is not supported by the local runtime; ` +
        `supported: ${OPERATIONS.map((o) => SQS_TARGET_PREFIX + o).join(', ')}.`,
    );
  }
  let input: unknown;
  try {
    input = body === '' ? {} : JSON.parse(body);
  } catch {
    throw new SqsError('SerializationException', 'The request body is not valid JSON.');
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new SqsError('SerializationException', 'The request body must be a JSON object.');
  return { operation: operation as Operation, input: input as Record<string, unknown> };
}

interface QueueDirectory {
  /** The queue a QueueUrl names, or the error SQS answers for it. */
  byUrl(url: unknown): Queue;
  /** The queue of that name, if this endpoint serves it. */
  named(name: string): Queue | undefined;
  names(): string[];
  urlOf(name: string): string;
}

function queueDirectory(options: SqsEndpointOptions): QueueDirectory {
  // Own properties only: `__proto__` or `constructor` name no queue.
  const named = (name: string) => (Object.hasOwn(options.queues, name) ? options.queues[name] : undefined);
  const urlOf = (name: string) => queueUrlOf(options.baseUrl(), name);
  const names = () => Object.keys(options.queues);
  const byUrl = (url: unknown): Queue => {
    if (typeof url !== 'string' || url === '') throw new SqsError('MissingParameter', 'The request must contain the parameter QueueUrl.');
    // Any host is fine (the SDK may have been given the URL from GetQueueUrl or built it by hand):
    // the path names the account and the queue.
    let path: string;
    try {
      path = new URL(url).pathname;
    } catch {
      throw new SqsError('InvalidAddress', `The address ${url} is not valid for this endpoint.`);
    }
    const [account, name, ...rest] = path.split('/').filter((p) => p !== '');
    const queue = name !== undefined && rest.length === 0 && account === LOCAL_ACCOUNT ? named(name) : undefined;
    if (!queue) {
      throw new SqsError(
        'QueueDoesNotExist',
        `The specified queue does not exist: ${url} (local queues: ${names().map(urlOf).join(', ')}).`,
      );
    }
    return queue;
  };
  return { byUrl, named, names, urlOf };
}

function operationsOf(queues: QueueDirectory): Operations {
  return {
    GetQueueUrl(input) {
      const name = input.QueueName;
      if (typeof name !== 'string' || name === '')
        throw new SqsError('MissingParameter', 'The request must contain the parameter QueueName.');
      if (!queues.named(name))
        throw new SqsError(
          'QueueDoesNotExist',
          `The specified queue does not exist: ${name} (local queues: ${queues.names().join(', ')}).`,
        );
      return { QueueUrl: queues.urlOf(name) };
    },
    SendMessage(input) {
      return sendMessage(queues.byUrl(input.QueueUrl), input, 'MessageBody');
    },
    SendMessageBatch(input) {
      const queue = queues.byUrl(input.QueueUrl);
      return sendBatch(queue, checkBatch(input.Entries));
    },
  };
}

function sendMessage(queue: Queue, input: SendInput, field: string): SendResult {
  const body = checkBody(input.MessageBody, field);
  const delaySeconds = checkDelaySeconds(input.DelaySeconds);
  if (input.MessageDeduplicationId !== undefined) {
    throw new SqsError(
      'InvalidParameterValue',
      'MessageDeduplicationId is only valid for FIFO queues; the events queue is a standard queue.',
    );
  }
  const attributes = parseAttributes(input.MessageAttributes);
  const systemAttributes = parseAttributes(input.MessageSystemAttributes);
  const groupId = checkMessageGroupId(input.MessageGroupId);
  checkSize(body, attributes);
  const message = queue.send(body, { delayMs: delaySeconds * 1000, attributes, groupId });
  return withoutUndefined({
    MessageId: message.id,
    MD5OfMessageBody: md5OfBody(body),
    MD5OfMessageAttributes: md5OfMessageAttributes(attributes),
    MD5OfMessageSystemAttributes: md5OfMessageAttributes(systemAttributes),
  });
}

/** The checks SQS makes on a batch as a whole before it sends any entry. */
function checkBatch(entries: unknown): Array<SendInput & { Id: string }> {
  if (!Array.isArray(entries) || entries.length === 0)
    throw new SqsError('EmptyBatchRequest', 'There should be at least one SendMessageBatchRequestEntry in the request.');
  if (entries.length > MAX_BATCH_ENTRIES) {
    throw new SqsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`,
    );
  }
  const ids = entries.map((e: unknown) => (e as { Id?: unknown } | null)?.Id);
  for (const id of ids) {
    if (typeof id !== 'string' || !BATCH_ENTRY_ID.test(id)) {
      throw new SqsError(
        'InvalidBatchEntryId',
        `A batch entry id can only contain alphanumeric characters, hyphens and underscores, 1 to 80 long: ${JSON.stringify(id)}.`,
      );
    }
  }
  if (new Set(ids).size !== ids.length)
    throw new SqsError('BatchEntryIdsNotDistinct', 'Two or more batch entries in the request have the same Id.');
  const bodyBytes = (e: unknown) => {
    const body = (e as { MessageBody?: unknown } | null)?.MessageBody;
    return typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : 0;
  };
  const total = (entries as unknown[]).reduce<number>((sum, e) => sum + bodyBytes(e), 0);
  if (total > MAX_MESSAGE_BYTES) {
    throw new SqsError(
      'BatchRequestTooLong',
      `Batch requests cannot be longer than ${MAX_MESSAGE_BYTES} bytes. You have sent ${total} bytes.`,
    );
  }
  return entries as Array<SendInput & { Id: string }>;
}

/** Each entry sent or refused on its own, as SQS does: one bad entry fails alone. */
function sendBatch(queue: Queue, entries: Array<SendInput & { Id: string }>) {
  const Successful: Array<SendResult & { Id: string }> = [];
  const Failed: Array<{ Id: string; SenderFault: boolean; Code: string; Message: string }> = [];
  for (const entry of entries) {
    try {
      Successful.push({ Id: entry.Id, ...sendMessage(queue, entry, 'MessageBody') });
    } catch (error) {
      if (!(error instanceof SqsError)) throw error;
      Failed.push({ Id: entry.Id, SenderFault: true, Code: error.code, Message: error.message });
    }
  }
  return { Successful, Failed };
}

function errorReply(error: SqsError): HttpReply {
  const queryCode = QUERY_ERROR_CODES[error.code] ?? error.code;
  return jsonReply(
    400,
    { __type: `com.amazonaws.sqs#${error.code}`, message: error.message },
    { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': `${queryCode};Sender` },
  );
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
