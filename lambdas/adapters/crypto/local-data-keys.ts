// Data keys for the local runtime: wrapped with AES-256-GCM under a key file in DATA_DIR (mode 0600),
// in the same envelope as on AWS. Whoever can read the data folder's tables but not the key file
// cannot read the secrets.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { DataKeySource } from './envelope-secret-box';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Additional data of every wrapped key: a wrapped key is not mistaken for anything else sealed with the file's key. */
const WRAP_AAD = Buffer.from('crm-webhooks data key');

export class LocalDataKeys implements DataKeySource {
  constructor(private readonly masterKey: Buffer) {
    if (masterKey.length !== KEY_BYTES) throw new Error(`the secrets key must be ${KEY_BYTES} bytes, got ${masterKey.length}`);
  }

  async newDataKey(): Promise<{ plaintext: Buffer; wrapped: Buffer }> {
    const plaintext = randomBytes(KEY_BYTES);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.masterKey, iv);
    cipher.setAAD(WRAP_AAD);
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { plaintext, wrapped: Buffer.concat([iv, cipher.getAuthTag(), ciphertext]) };
  }

  async unwrap(wrapped: Buffer): Promise<Buffer> {
    const decipher = createDecipheriv('aes-256-gcm', this.masterKey, wrapped.subarray(0, IV_BYTES));
    decipher.setAAD(WRAP_AAD);
    decipher.setAuthTag(wrapped.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(wrapped.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  }
}

/**
 * The key in `path`, made (32 random bytes, mode 0600) when the file does not exist. An existing file
 * readable by group or others is narrowed to 0600; a file of the wrong size is refused.
 */
export function openKeyFile(path: string): Buffer {
  try {
    writeFileSync(path, randomBytes(KEY_BYTES), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const key = readFileSync(path);
  if (key.length !== KEY_BYTES)
    throw new Error(`${path}: the secrets key file must hold ${KEY_BYTES} bytes, it holds ${key.length}; restore it from a backup`);
  return key;
}
