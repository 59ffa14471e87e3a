// The digests SQS returns with every sent message. The SDK compares MD5OfMessageBody with its own;
// MD5OfMessageAttributes follows the documented encoding (SQS developer guide, "Calculating the MD5
// message digest for message attributes").
import { createHash } from 'node:crypto';
import type { MessageAttributes } from './queue';

export function md5OfBody(body: string): string {
  return createHash('md5').update(body, 'utf8').digest('hex');
}

/**
 * Attributes sorted by name; each as name, data type, a transport byte (1 for String and Number,
 * 2 for Binary) and the value, every variable part preceded by its length as a 4-byte big-endian
 * integer. Undefined when there are no attributes (SQS then omits the field).
 */
export function md5OfMessageAttributes(attributes: MessageAttributes): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const hash = createHash('md5');
  const field = (bytes: Buffer): void => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length);
    hash.update(bytes);
  };
  for (const name of names) {
    const attribute = attributes[name];
    field(Buffer.from(name, 'utf8'));
    field(Buffer.from(attribute.DataType, 'utf8'));
    if (attribute.BinaryValue !== undefined) {
      hash.update(Buffer.from([2]));
      field(Buffer.from(attribute.BinaryValue, 'base64'));
    } else {
      hash.update(Buffer.from([1]));
      field(Buffer.from(attribute.StringValue ?? '', 'utf8'));
    }
  }
  return hash.digest('hex');
}
