// Envelope encryption of the subscriptions' secrets: the AES-256-GCM envelope, its data keys from KMS
// (aws-sdk-client-mock) or from the local key file.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EnvelopeSecretBox } from '../../lambdas/adapters/crypto/envelope-secret-box';
import { KmsDataKeys, SECRETS_ENCRYPTION_CONTEXT } from '../../lambdas/adapters/crypto/kms-data-keys';
import { LocalDataKeys, openKeyFile } from '../../lambdas/adapters/crypto/local-data-keys';

const KEY_ARN = 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const SECRET = '{"url":"https://x.example/hook?token=s3cr3t-value"}';

describe('EnvelopeSecretBox', () => {
  const box = new EnvelopeSecretBox(new LocalDataKeys(randomBytes(32)));

  it('seals into a v1 envelope that holds no part of the secret, and opens it again', async () => {
    const sealed = await box.seal(SECRET, 'sub_aaaaaaaaaaaaaaaaaaaa');
    expect(sealed).toMatch(/^v1(\.[A-Za-z0-9_-]+){4}$/);
    expect(sealed).not.toContain('s3cr3t');
    expect(await box.open(sealed, 'sub_aaaaaaaaaaaaaaaaaaaa')).toBe(SECRET);
    // A fresh IV each time: the same secret never seals to the same text.
    expect(await box.seal(SECRET, 'sub_aaaaaaaaaaaaaaaaaaaa')).not.toBe(sealed);
  });

  it('does not open under another context (an envelope copied onto another subscription)', async () => {
    const sealed = await box.seal(SECRET, 'sub_aaaaaaaaaaaaaaaaaaaa');
    await expect(box.open(sealed, 'sub_bbbbbbbbbbbbbbbbbbbb')).rejects.toThrow();
  });

  it('does not open an altered envelope, nor with another key', async () => {
    const sealed = await box.seal(SECRET, 'ctx');
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[3], 'base64url');
    flipped[0] = flipped[0] ^ 1;
    await expect(box.open([...parts.slice(0, 3), flipped.toString('base64url'), parts[4]].join('.'), 'ctx')).rejects.toThrow();
    await expect(new EnvelopeSecretBox(new LocalDataKeys(randomBytes(32))).open(sealed, 'ctx')).rejects.toThrow();
    await expect(box.open('plain text', 'ctx')).rejects.toThrow('not a sealed secret');
  });
});

describe('KmsDataKeys', () => {
  const kms = mockClient(KMSClient);
  afterEach(() => kms.reset());
  afterAll(() => kms.restore());

  /** A KMS stand-in: wraps data keys by prefixing a marker, as opaque to the box as KMS's blobs. */
  function fakeKms() {
    kms.on(GenerateDataKeyCommand).callsFake(() => {
      const plaintext = randomBytes(32);
      return { Plaintext: plaintext, CiphertextBlob: Buffer.concat([Buffer.from('wrapped:'), plaintext]), KeyId: KEY_ARN };
    });
    kms
      .on(DecryptCommand)
      .callsFake((input: { CiphertextBlob: Uint8Array }) => ({ Plaintext: Buffer.from(input.CiphertextBlob).subarray(8), KeyId: KEY_ARN }));
  }

  it('makes one data key per instance, under the key and context, for every seal', async () => {
    fakeKms();
    const box = new EnvelopeSecretBox(new KmsDataKeys({ kms: new KMSClient({ region: 'eu-central-1' }), keyId: KEY_ARN }));
    const sealed = await Promise.all(['a', 'b', 'c'].map((id) => box.seal(SECRET, id)));
    expect(kms.commandCalls(GenerateDataKeyCommand)).toHaveLength(1);
    expect(kms.commandCalls(GenerateDataKeyCommand)[0].args[0].input).toEqual({
      KeyId: KEY_ARN,
      KeySpec: 'AES_256',
      EncryptionContext: SECRETS_ENCRYPTION_CONTEXT,
    });
    // Its own envelopes open without asking KMS again.
    expect(await box.open(sealed[1], 'b')).toBe(SECRET);
    expect(kms.commandCalls(DecryptCommand)).toHaveLength(0);
  });

  it('unwraps another instance’s data key with one Decrypt, then from its cache', async () => {
    fakeKms();
    const client = new KMSClient({ region: 'eu-central-1' });
    const sealed = await new EnvelopeSecretBox(new KmsDataKeys({ kms: client, keyId: KEY_ARN })).seal(SECRET, 'a');
    const reader = new EnvelopeSecretBox(new KmsDataKeys({ kms: client, keyId: KEY_ARN }));
    expect(await reader.open(sealed, 'a')).toBe(SECRET);
    expect(await reader.open(sealed, 'a')).toBe(SECRET);
    expect(kms.commandCalls(DecryptCommand)).toHaveLength(1);
    expect(kms.commandCalls(DecryptCommand)[0].args[0].input).toMatchObject({
      KeyId: KEY_ARN,
      EncryptionContext: SECRETS_ENCRYPTION_CONTEXT,
    });
  });

  it('fails to open when KMS refuses (no kms:Decrypt), and asks again next time', async () => {
    fakeKms();
    const client = new KMSClient({ region: 'eu-central-1' });
    const sealed = await new EnvelopeSecretBox(new KmsDataKeys({ kms: client, keyId: KEY_ARN })).seal(SECRET, 'a');
    let denials = 1;
    kms.on(DecryptCommand).callsFake((input: { CiphertextBlob: Uint8Array }) => {
      if (denials-- > 0) throw Object.assign(new Error('not authorized to perform kms:Decrypt'), { name: 'AccessDeniedException' });
      return { Plaintext: Buffer.from(input.CiphertextBlob).subarray(8), KeyId: KEY_ARN };
    });
    const reader = new EnvelopeSecretBox(new KmsDataKeys({ kms: client, keyId: KEY_ARN }));
    await expect(reader.open(sealed, 'a')).rejects.toThrow('kms:Decrypt');
    expect(await reader.open(sealed, 'a')).toBe(SECRET);
  });
});

describe('the local key file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crm-webhooks-key-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is made once, 32 bytes, mode 0600, and read back the same', () => {
    const path = join(dir, 'secrets.key');
    const key = openKeyFile(path);
    expect(key).toHaveLength(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(openKeyFile(path).equals(key)).toBe(true);
  });

  it('is narrowed to 0600 when group or others could read it', () => {
    const path = join(dir, 'loose.key');
    writeFileSync(path, randomBytes(32));
    chmodSync(path, 0o644);
    openKeyFile(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('is refused when it does not hold a key', () => {
    const path = join(dir, 'short.key');
    writeFileSync(path, 'short', { mode: 0o600 });
    expect(() => openKeyFile(path)).toThrow('must hold 32 bytes, it holds 5');
  });
});
