// Data keys from AWS KMS: made under the service's customer-managed key and unwrapped by it, so
// reading a subscription's secrets needs kms:Decrypt on that key and leaves a CloudTrail record.
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { DataKeySource } from './envelope-secret-box';

/** Bound into every data key: a key made for something else does not unwrap here, and IAM can require it. */
export const SECRETS_ENCRYPTION_CONTEXT = { service: 'crm-webhooks', purpose: 'subscription-secrets' } as const;

export interface KmsDataKeysOptions {
  kms: KMSClient;
  /** ARN of the customer-managed key. */
  keyId: string;
}

export class KmsDataKeys implements DataKeySource {
  constructor(private readonly options: KmsDataKeysOptions) {}

  async newDataKey(): Promise<{ plaintext: Buffer; wrapped: Buffer }> {
    const out = await this.options.kms.send(
      new GenerateDataKeyCommand({ KeyId: this.options.keyId, KeySpec: 'AES_256', EncryptionContext: { ...SECRETS_ENCRYPTION_CONTEXT } }),
    );
    if (!out.Plaintext || !out.CiphertextBlob) throw new Error('KMS GenerateDataKey returned no key');
    return { plaintext: Buffer.from(out.Plaintext), wrapped: Buffer.from(out.CiphertextBlob) };
  }

  async unwrap(wrapped: Buffer): Promise<Buffer> {
    const out = await this.options.kms.send(
      new DecryptCommand({ CiphertextBlob: wrapped, KeyId: this.options.keyId, EncryptionContext: { ...SECRETS_ENCRYPTION_CONTEXT } }),
    );
    if (!out.Plaintext) throw new Error('KMS Decrypt returned no key');
    return Buffer.from(out.Plaintext);
  }
}
