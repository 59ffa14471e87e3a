// Secrets at rest: the subscription's secret fields are stored encrypted, and reading them takes the
// key (on AWS, kms:Decrypt on the service's key, which CloudTrail records). The domain and the
// repositories see only this port; the envelope encryption lives in lambdas/adapters/crypto.

export interface SecretBox {
  /** Encrypts `plaintext`, bound to `context` (e.g. the subscription id): it opens under that context only. */
  seal(plaintext: string, context: string): Promise<string>;
  /** Decrypts what `seal` returned; fails if it was altered or is opened under another context. */
  open(sealed: string, context: string): Promise<string>;
}
