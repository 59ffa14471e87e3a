// The part of the SQS API the CRM uses to publish events, over the AWS JSON 1.0 protocol that
// @aws-sdk/client-sqs speaks: GetQueueUrl, SendMessage and SendMessageBatch. Requests are not
// signature-checked locally. Errors come back in the AWS JSON error shape, so the SDK throws the
// same error types it would throw in AWS (QueueDoesNotExist, InvalidMessageContents, ...).
import { LOCAL_ACCOUNT, queueUrlOf } from './config';
import { jsonReply, type HttpReply } from './http-reply';
import type { LocalQueue } from './queue';
import { md5OfBody, md5OfMessageAttributes } from './sqs-md5';
import { checkBody, checkDelaySeconds, checkSize, parseAttributes, SqsError, MAX_MESSAGE_BYTES } from './sqs-rules';

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
}

interface SendResult {
  MessageId: string;
  MD5OfMessageBody: string;
  MD5OfMessageAttributes?: string;
  MD5OfMessageSystemAttributes?: string;
}

export type SqsEndpoint = (target: string, body: string) => HttpReply;

export function createSqsEndpoint(options: SqsEndpointOptions): SqsEndpoint {
  const queueByUrl = (url: unknown): Pick<LocalQueue, 'send'> => {
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
    const queue = name !== undefined && rest.length === 0 && account === LOCAL_ACCOUNT ? queueNamed(name) : undefined;
    if (!queue) throw new SqsError('QueueDoesNotExist', `The specified queue does not exist: ${url} (local queues: ${knownUrls()}).`);
    return queue;
  };
  // Own properties only: `__proto__` or `constructor` name no queue.
  const queueNamed = (name: string) => (Object.hasOwn(options.queues, name) ? options.queues[name] : undefined);
  const knownUrls = () =>
    Object.keys(options.queues)
      .map((name) => queueUrlOf(options.baseUrl(), name))
      .join(', ');

  const send = (queue: Pick<LocalQueue, 'send'>, input: SendInput, field: string): SendResult => {
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
    checkSize(body, attributes);
    const message = queue.send(body, { delayMs: delaySeconds * 1000, attributes });
    return withoutUndefined({
      MessageId: message.id,
      MD5OfMessageBody: md5OfBody(body),
      MD5OfMessageAttributes: md5OfMessageAttributes(attributes),
      MD5OfMessageSystemAttributes: md5OfMessageAttributes(systemAttributes),
    });
  };

  const operations: Record<Operation, (input: Record<string, unknown>) => unknown> = {
    GetQueueUrl(input) {
      const name = input.QueueName;
      if (typeof name !== 'string' || name === '')
        throw new SqsError('MissingParameter', 'The request must contain the parameter QueueName.');
      if (!queueNamed(name))
        throw new SqsError(
          'QueueDoesNotExist',
          `The specified queue does not exist: ${name} (local queues: ${Object.keys(options.queues).join(', ')}).`,
        );
      return { QueueUrl: queueUrlOf(options.baseUrl(), name) };
    },
    SendMessage(input) {
      return send(queueByUrl(input.QueueUrl), input, 'MessageBody');
    },
    SendMessageBatch(input) {
      const queue = queueByUrl(input.QueueUrl);
      const entries = input.Entries;
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
      const total = entries.reduce<number>(
        (sum: number, e: { MessageBody?: unknown }) =>
          sum + (typeof e.MessageBody === 'string' ? Buffer.byteLength(e.MessageBody, 'utf8') : 0),
        0,
      );
      if (total > MAX_MESSAGE_BYTES) {
        throw new SqsError(
          'BatchRequestTooLong',
          `Batch requests cannot be longer than ${MAX_MESSAGE_BYTES} bytes. You have sent ${total} bytes.`,
        );
      }
      const Successful: Array<SendResult & { Id: string }> = [];
      const Failed: Array<{ Id: string; SenderFault: boolean; Code: string; Message: string }> = [];
      for (const entry of entries as Array<SendInput & { Id: string }>) {
        try {
          Successful.push({ Id: entry.Id, ...send(queue, entry, 'MessageBody') });
        } catch (error) {
          if (!(error instanceof SqsError)) throw error;
          Failed.push({ Id: entry.Id, SenderFault: true, Code: error.code, Message: error.message });
        }
      }
      return { Successful, Failed };
    },
  };

  return (target, body) => {
    try {
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
      return jsonReply(200, operations[operation as Operation](input as Record<string, unknown>), {
        'content-type': 'application/x-amz-json-1.0',
      });
    } catch (error) {
      if (error instanceof SqsError) return errorReply(error);
      throw error;
    }
  };
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
