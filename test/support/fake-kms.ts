// A KMS endpoint on 127.0.0.1 for the tests that run a function bundle in a process of its own: it
// answers GenerateDataKey and Decrypt (AWS JSON 1.1, as the SDK's KMS client speaks it), wrapping
// data keys with a key of this run, and refuses any other key id or encryption context.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { LocalDataKeys } from '../../lambdas/adapters/crypto/local-data-keys';

export interface FakeKms {
  url: string;
  keyArn: string;
  /** Requests by operation name. */
  calls: string[];
  close(): Promise<void>;
}

export async function startFakeKms(
  keyArn = 'arn:aws:kms:eu-central-1:123456789012:key/00000000-0000-4000-8000-000000000000',
): Promise<FakeKms> {
  const keys = new LocalDataKeys(randomBytes(32));
  const calls: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? '').replace('TrentService.', '');
      calls.push(operation);
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        KeyId?: string;
        CiphertextBlob?: string;
        EncryptionContext?: Record<string, string>;
      };
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(body));
      };
      if (input.KeyId !== keyArn || input.EncryptionContext?.purpose !== 'subscription-secrets') {
        reply(400, { __type: 'AccessDeniedException', message: 'wrong key or encryption context' });
        return;
      }
      const answer =
        operation === 'GenerateDataKey'
          ? keys
              .newDataKey()
              .then((k) => ({ KeyId: keyArn, Plaintext: k.plaintext.toString('base64'), CiphertextBlob: k.wrapped.toString('base64') }))
          : operation === 'Decrypt'
            ? keys
                .unwrap(Buffer.from(input.CiphertextBlob ?? '', 'base64'))
                .then((k) => ({ KeyId: keyArn, Plaintext: k.toString('base64') }))
            : Promise.reject(new Error(`unsupported ${operation}`));
      answer.then(
        (body) => reply(200, body),
        (error: Error) => reply(400, { __type: 'InvalidCiphertextException', message: error.message }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, keyArn, calls, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
