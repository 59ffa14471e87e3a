// Keeps the start of a response body as it streams in, so the connection can be drained and reused
// while only the excerpt is stored.
import { utf8Prefix } from './utf8-prefix';

export class BodyExcerpt {
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;
  /** Every byte seen, kept or not. */
  totalBytes = 0;

  constructor(private readonly maxBytes: number) {}

  add(chunk: Buffer): void {
    this.totalBytes += chunk.length;
    if (this.keptBytes >= this.maxBytes) return;
    const part = chunk.length <= this.maxBytes - this.keptBytes ? chunk : chunk.subarray(0, this.maxBytes - this.keptBytes);
    this.kept.push(part);
    this.keptBytes += part.length;
  }

  /** The kept bytes as text, cut on a character boundary. */
  text(): string {
    if (this.keptBytes === 0) return '';
    const bytes = this.kept.length === 1 ? this.kept[0] : Buffer.concat(this.kept, this.keptBytes);
    return utf8Prefix(bytes, this.maxBytes);
  }
}
