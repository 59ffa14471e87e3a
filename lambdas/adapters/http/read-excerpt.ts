// Reads a response body to its end so the connection can be reused, keeping only the start of it.
import type { Readable } from 'node:stream';
import { utf8Prefix } from './utf8-prefix';

export interface ExcerptLimits {
  /** Bytes of the body kept as text. */
  excerptBytes: number;
  /** Past this many bytes the body is abandoned (the connection goes with it) instead of drained. */
  drainLimitBytes: number;
}

export async function readExcerpt(body: Readable, limits: ExcerptLimits): Promise<string> {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let totalBytes = 0;
  for await (const chunk of body) {
    const bytes = chunk as Buffer;
    totalBytes += bytes.length;
    if (keptBytes < limits.excerptBytes) {
      const part = bytes.subarray(0, limits.excerptBytes - keptBytes);
      kept.push(part);
      keptBytes += part.length;
    }
    // Leaving the loop destroys the stream: a huge body costs one connection, not the whole timeout.
    if (totalBytes > limits.drainLimitBytes) break;
  }
  return utf8Prefix(Buffer.concat(kept), limits.excerptBytes);
}
