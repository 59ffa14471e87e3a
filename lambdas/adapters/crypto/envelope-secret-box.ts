// Envelope encryption: each value is encrypted with AES-256-GCM under a data key, and the data key is
// stored beside it wrapped by a key that never leaves its keeper (a KMS key on AWS, a key file
// locally). One envelope format for both:
//
//   v1.<wrapped data key>.<iv>.<ciphertext>.<tag>      (each part base64url)
//
// The AES-GCM additional data is the context (the subscription id), so an envelope copied onto
// another item does not open. One data key serves every seal of an instance (made at the first, kept
// until the instance ends, as AWS's encryption SDKs cache them), so sealing costs one key request per
// cold start; unwrapped keys are cached too, so opening the items an instance sealed costs none.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SecretBox } from '../../domain/secret-box';

/** Where data keys come from and how a wrapped one is unwrapped. */
export interface DataKeySource {
  /** A fresh 32-byte data key, in clear and wrapped. */
  newDataKey(): Promise<{ plaintext: Buffer; wrapped: Buffer }>;
  unwrap(wrapped: Buffer): Promise<Buffer>;
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Distinct data keys an instance keeps unwrapped: every subscription sealed by a few hundred instances. */
const MAX_UNWRAPPED = 1000;

export class EnvelopeSecretBox implements SecretBox {
  private dataKey?: Promise<{ plaintext: Buffer; wrapped: Buffer }>;
  private readonly unwrapped = new Map<string, Promise<Buffer>>();

  constructor(private readonly keys: DataKeySource) {}

  async seal(plaintext: string, context: string): Promise<string> {
    const key = await this.currentDataKey();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.plaintext, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, key.wrapped, iv, ciphertext, cipher.getAuthTag()]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  async open(sealed: string, context: string): Promise<string> {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION) throw new Error(`not a sealed secret (expected a ${VERSION} envelope)`);
    const [wrapped, iv, ciphertext, tag] = parts.slice(1).map((p) => Buffer.from(p, 'base64url')) as [Buffer, Buffer, Buffer, Buffer];
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error('not a sealed secret (bad iv or tag length)');
    const key = await this.unwrap(parts[1], wrapped);
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  }

  private currentDataKey(): Promise<{ plaintext: Buffer; wrapped: Buffer }> {
    if (!this.dataKey) {
      this.dataKey = this.keys.newDataKey().then((key) => {
        this.unwrapped.set(key.wrapped.toString('base64url'), Promise.resolve(key.plaintext));
        return key;
      });
      // A failed request is not kept: the next seal asks again.
      this.dataKey.catch(() => (this.dataKey = undefined));
    }
    return this.dataKey;
  }

  private unwrap(id: string, wrapped: Buffer): Promise<Buffer> {
    let key = this.unwrapped.get(id);
    if (!key) {
      if (this.unwrapped.size >= MAX_UNWRAPPED) this.unwrapped.delete(this.unwrapped.keys().next().value!);
      key = this.keys.unwrap(wrapped);
      this.unwrapped.set(id, key);
      key.catch(() => this.unwrapped.delete(id));
    }
    return key;
  }
}
