// Configuration through CDK context: values reach the functions, and a bad value stops the synth
// with an error naming the key, before anything is deployed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowlist } from '../../lambdas/adapters/http/target-guard';
import { buildStack, ofType, removeAssembly, synth, type Json, type Synthesized } from './synth';

describe('context overrides', () => {
  let s: Synthesized;

  // As `cdk deploy -c ...` passes them: strings. cdk.json passes numbers; both are accepted.
  const overrides = {
    attemptTimeoutMs: '8000',
    retryBaseDelayMs: 120000,
    retryMultiplier: '1.5',
    maxAttempts: 5,
    retentionDays: '7',
    senderMaxConcurrency: '50',
    sweepGraceMs: 300000,
    retryJitter: '0.25',
    signingSecretGraceMs: 3600000,
    failingDisableAfterMs: '86400000',
    targetAllowlist: '10.0.0.0/8, fd00::/8',
  };

  beforeAll(() => {
    s = synth(overrides);
  }, 120_000);

  afterAll(() => removeAssembly(s));

  it('passes every overridden value to every function', () => {
    const functions = Object.values(ofType(s.resources, 'AWS::Lambda::Function'));
    expect(functions).toHaveLength(5);
    for (const fn of functions) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        ATTEMPT_TIMEOUT_MS: '8000',
        RETRY_BASE_DELAY_MS: '120000',
        RETRY_MULTIPLIER: '1.5',
        MAX_ATTEMPTS: '5',
        RETENTION_DAYS: '7',
        SWEEP_GRACE_MS: '300000',
        RETRY_JITTER: '0.25',
        SIGNING_SECRET_GRACE_MS: '3600000',
        FAILING_DISABLE_AFTER_MS: '86400000',
        // As given: the functions parse it with the same parseAllowlist the stack checked it with.
        TARGET_ALLOWLIST: '10.0.0.0/8, fd00::/8',
      });
    }
  });

  it('caps the sender concurrency at the configured value', () => {
    const senderId = s.logicalId(s.stack.functions.byId.sender);
    const mapping = Object.values(ofType(s.resources, 'AWS::Lambda::EventSourceMapping')).find(
      (m: Json) => m.Properties.FunctionName.Ref === senderId,
    );
    expect(mapping.Properties.ScalingConfig).toEqual({ MaximumConcurrency: 50 });
  });
});

describe('bad context values', () => {
  // Construction validates the context before anything is bundled, so these cost no synth.
  it.each([
    ['maxAttempts', 'ten'],
    ['maxAttempts', 0],
    ['maxAttempts', 101],
    ['attemptTimeoutMs', '2.5'],
    ['attemptTimeoutMs', 60_000],
    ['retryBaseDelayMs', -1],
    ['retryMultiplier', '0.5'],
    ['retentionDays', ''],
    ['senderMaxConcurrency', 1],
    ['sweepGraceMs', true],
    ['retryJitter', 0.9],
    ['retryJitter', '-0.1'],
    ['signingSecretGraceMs', -1],
    ['signingSecretGraceMs', '1.5'],
    ['failingDisableAfterMs', 0],
    ['targetAllowlist', 10],
    ['targetAllowlist', ['10.0.0.0/8']],
  ])('rejects %s = %j, naming the key', (key, value) => {
    expect(() => buildStack({ [key]: value })).toThrow(new RegExp(`invalid CDK context .*"${key}": expected`));
  });

  it('rejects a targetAllowlist entry that is not a CIDR with parseAllowlist\'s message, naming the key', () => {
    const message = (() => {
      try {
        parseAllowlist('10.0.0.0/33');
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('parseAllowlist accepted 10.0.0.0/33');
    })();
    expect(message).toMatch(/"10\.0\.0\.0\/33" is not a CIDR/);
    const attempt = () => buildStack({ targetAllowlist: '10.0.0.0/8,10.0.0.0/33' });
    expect(attempt).toThrow(`invalid CDK context "targetAllowlist": ${message} (set in cdk.json or with -c key=value)`);
  });

  it('names every bad key at once', () => {
    const attempt = () => buildStack({ maxAttempts: 'x', retentionDays: 0, retryJitter: 1, targetAllowlist: 'localhost' });
    expect(attempt).toThrow(/"maxAttempts".*"retentionDays".*"retryJitter".*"targetAllowlist"/);
  });
});
