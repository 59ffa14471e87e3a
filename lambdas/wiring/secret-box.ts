// The secret box of the functions that read or write subscription secrets (subscriptions, sender):
// envelope encryption under the service's KMS key. Made once per cold start, so is its data key.
import type { KMSClient } from '@aws-sdk/client-kms';
import { EnvelopeSecretBox } from '../adapters/crypto/envelope-secret-box';
import { KmsDataKeys } from '../adapters/crypto/kms-data-keys';
import { loadConfig } from '../config';
import type { SecretBox } from '../domain/secret-box';
import type { Env } from './common';

export function kmsSecretBox(env: Env, kms: KMSClient): SecretBox {
  const { SECRETS_KEY_ARN } = loadConfig(env, ['SECRETS_KEY_ARN']);
  return new EnvelopeSecretBox(new KmsDataKeys({ kms, keyId: SECRETS_KEY_ARN }));
}
