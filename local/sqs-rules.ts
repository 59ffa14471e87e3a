// What SQS accepts in a sent message, checked the way SQS checks it, so that a message the local
// runtime takes would also be taken in AWS (and the other way round).
import { MAX_QUEUE_DELAY_MS } from '../lambdas/domain/wakeup-plan';
import type { MessageAttribute, MessageAttributes } from './queue';

/** An error in SQS's terms: the code becomes the AWS error type the SDK throws. */
export class SqsError extends Error {
  override name = 'SqsError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Body plus attributes (SQS's limit since August 2025). */
export const MAX_MESSAGE_BYTES = 1_048_576;
export const MAX_DELAY_SECONDS = MAX_QUEUE_DELAY_MS / 1000;
const MAX_ATTRIBUTES = 10;
const MAX_ATTRIBUTE_NAME = 256;

/** The characters SQS allows in a body and in string attribute values (its documented XML subset). */
const INVALID_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]+$/;
const DATA_TYPE = /^(String|Number|Binary)(\.[^\s]+)?$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function checkBody(body: unknown, field = 'MessageBody'): string {
  if (body === undefined || body === null) throw new SqsError('MissingParameter', `The request must contain the parameter ${field}.`);
  if (typeof body !== 'string') throw new SqsError('InvalidParameterValue', `${field} must be a string.`);
  if (body.length === 0) throw new SqsError('InvalidParameterValue', `The request must contain a non-empty ${field}.`);
  if (INVALID_CHARACTER.test(body)) {
    throw new SqsError(
      'InvalidMessageContents',
      `${field} contains characters outside the allowed set (see the SQS SendMessage documentation).`,
    );
  }
  return body;
}

export function checkDelaySeconds(raw: unknown): number {
  if (raw === undefined || raw === null) return 0;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0 || raw > MAX_DELAY_SECONDS) {
    throw new SqsError(
      'InvalidParameterValue',
      `Value ${JSON.stringify(raw)} for parameter DelaySeconds is invalid. Reason: must be an integer from 0 to ${MAX_DELAY_SECONDS}.`,
    );
  }
  return raw;
}

/** SQS's rule for a group id: 1 to 128 characters, letters, digits and ASCII punctuation. */
const MESSAGE_GROUP_ID = /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]{1,128}$/;

/**
 * On a standard queue a group id makes the queue fair (tenants served by their share of the messages
 * in flight); it does not order messages as on a FIFO queue.
 */
export function checkMessageGroupId(raw: unknown): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string' || !MESSAGE_GROUP_ID.test(raw)) {
    throw new SqsError(
      'InvalidParameterValue',
      `Value ${JSON.stringify(raw)} for parameter MessageGroupId is invalid. Reason: must be 1 to 128 letters, digits or punctuation.`,
    );
  }
  return raw;
}

export function parseAttributes(raw: unknown): MessageAttributes {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new SqsError('InvalidParameterValue', 'MessageAttributes must be a map of name to attribute value.');
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > MAX_ATTRIBUTES) {
    throw new SqsError(
      'InvalidParameterValue',
      `Number of message attributes [${entries.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`,
    );
  }
  const out: MessageAttributes = {};
  for (const [name, value] of entries) {
    checkAttributeName(name);
    out[name] = parseAttribute(name, value);
  }
  return out;
}

/** Body and attributes (names, types and values) together, as SQS counts them. */
export function checkSize(body: string, attributes: MessageAttributes): void {
  let bytes = Buffer.byteLength(body, 'utf8');
  for (const [name, a] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(a.DataType, 'utf8');
    bytes += a.BinaryValue !== undefined ? Buffer.from(a.BinaryValue, 'base64').length : Buffer.byteLength(a.StringValue ?? '', 'utf8');
  }
  if (bytes > MAX_MESSAGE_BYTES) {
    throw new SqsError(
      'InvalidParameterValue',
      `One or more parameters are invalid. Reason: Message must be shorter than ${MAX_MESSAGE_BYTES} bytes.`,
    );
  }
}

function checkAttributeName(name: string): void {
  const lower = name.toLowerCase();
  const valid =
    name.length <= MAX_ATTRIBUTE_NAME &&
    ATTRIBUTE_NAME.test(name) &&
    !name.startsWith('.') &&
    !name.endsWith('.') &&
    !name.includes('..') &&
    !lower.startsWith('aws.') &&
    !lower.startsWith('amazon.');
  if (!valid) {
    throw new SqsError(
      'InvalidParameterValue',
      `Message attribute name '${name}' is invalid: use up to ${MAX_ATTRIBUTE_NAME} of A-Z a-z 0-9 _ - ., ` +
        'no leading, trailing or double period, no AWS. or Amazon. prefix.',
    );
  }
}

function parseAttribute(name: string, raw: unknown): MessageAttribute {
  const invalid = (reason: string) => new SqsError('InvalidParameterValue', `Message attribute '${name}' is invalid: ${reason}.`);
  if (typeof raw !== 'object' || raw === null) throw invalid('expected an object with DataType and StringValue or BinaryValue');
  const { DataType, StringValue, BinaryValue, StringListValues, BinaryListValues } = raw as Record<string, unknown>;
  if (typeof DataType !== 'string' || !DATA_TYPE.test(DataType) || DataType.length > MAX_ATTRIBUTE_NAME) {
    throw invalid('DataType must be String, Number or Binary, optionally followed by .customType');
  }
  if (
    (Array.isArray(StringListValues) && StringListValues.length > 0) ||
    (Array.isArray(BinaryListValues) && BinaryListValues.length > 0)
  ) {
    throw invalid('StringListValues and BinaryListValues are not implemented by SQS');
  }
  if (DataType.startsWith('Binary')) {
    if (typeof BinaryValue !== 'string' || BinaryValue === '') throw invalid('a Binary attribute needs a non-empty BinaryValue');
    if (StringValue !== undefined) throw invalid('a Binary attribute takes no StringValue');
    return { DataType, BinaryValue };
  }
  if (typeof StringValue !== 'string' || StringValue === '')
    throw invalid(`a ${DataType.split('.')[0]} attribute needs a non-empty StringValue`);
  if (BinaryValue !== undefined) throw invalid(`a ${DataType.split('.')[0]} attribute takes no BinaryValue`);
  if (INVALID_CHARACTER.test(StringValue)) throw invalid('StringValue contains characters outside the allowed set');
  if (DataType.startsWith('Number') && !NUMBER.test(StringValue)) throw invalid(`'${StringValue}' is not a number`);
  return { DataType, StringValue };
}
