// Configuration through CDK context: values reach the functions, and a bad value stops the synth
// with an error naming the key, before anything is deployed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  ])('rejects %s = %j, naming the key', (key, value) => {
    expect(() => buildStack({ [key]: value })).toThrow(new RegExp(`invalid CDK context .*"${key}": expected`));
  });

  it('names every bad key at once', () => {
    const attempt = () => buildStack({ maxAttempts: 'x', retentionDays: 0 });
    expect(attempt).toThrow(/"maxAttempts".*"retentionDays"/);
  });
});
