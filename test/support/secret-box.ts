// The secret box of the tests: the local runtime's envelope encryption with a key of this run.
import { randomBytes } from 'node:crypto';
import { EnvelopeSecretBox } from '../../lambdas/adapters/crypto/envelope-secret-box';
import { LocalDataKeys } from '../../lambdas/adapters/crypto/local-data-keys';
import type { SecretBox } from '../../lambdas/domain/secret-box';

export function testSecretBox(key: Buffer = randomBytes(32)): SecretBox {
  return new EnvelopeSecretBox(new LocalDataKeys(key));
}
