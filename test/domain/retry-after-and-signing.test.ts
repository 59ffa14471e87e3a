import { createHmac } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { describe, expect, it } from 'vitest';
import { classifyAttempt, parseRetryAfter } from '../../lambdas/domain/attempt-outcome';
import { longestWait, retryWait, type RetryPolicy } from '../../lambdas/domain/retry-policy';
import { newSigningSecret, rotateSecrets, signatureHeader, validateSigningSecret, validSecrets } from '../../lambdas/domain/signing';

const MIN = 60_000;
const policy: RetryPolicy = { baseDelayMs: 5 * MIN, multiplier: 2, maxAttempts: 10, jitter: 0 };
const now = new Date('2026-11-27T10:00:00.000Z');

describe('Retry-After', () => {
  it('parses delay-seconds and HTTP-dates, ignoring anything else', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Fri, 27 Nov 2026 10:10:00 GMT', now)).toBe(10 * MIN);
    expect(parseRetryAfter('Fri, 27 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('is read from 429 and 503 responses only', () => {
    const response = (statusCode: number) => ({
      kind: 'response' as const,
      statusCode,
      headers: { 'retry-after': '900' },
      body: '',
      durationMs: 1,
    });
    expect(classifyAttempt(response(429), now).retryAfterMs).toBe(900_000);
    expect(classifyAttempt(response(503), now).retryAfterMs).toBe(900_000);
    expect(classifyAttempt(response(500), now).retryAfterMs).toBeUndefined();
    expect(classifyAttempt(response(200), now).retryAfterMs).toBeUndefined();
  });

  it('is clamped between the policy wait and twice it, and capped at the longest wait', () => {
    // After attempt 1 the policy waits 5 min.
    expect(retryWait(policy, 1, { retryAfterMs: 7 * MIN })).toBe(7 * MIN);
    expect(retryWait(policy, 1, { retryAfterMs: 1000 })).toBe(5 * MIN);
    expect(retryWait(policy, 1, { retryAfterMs: 3 * 3_600_000 })).toBe(10 * MIN);
    // After attempt 9 the policy waits its longest, 1280 min: twice that is capped back to it.
    expect(longestWait(policy)).toBe(1280 * MIN);
    expect(retryWait(policy, 9, { retryAfterMs: 48 * 3_600_000 })).toBe(1280 * MIN);
    // After attempt 8 (640 min) a long Retry-After may reach the longest wait, not beyond.
    expect(retryWait(policy, 8, { retryAfterMs: 30 * 3_600_000 })).toBe(1280 * MIN);
  });
});

describe('jitter', () => {
  const jittery: RetryPolicy = { ...policy, jitter: 0.1 };

  it('spreads every wait by up to ±10 %', () => {
    expect(retryWait(jittery, 1, { random: () => 0 })).toBe(4.5 * MIN);
    expect(retryWait(jittery, 1, { random: () => 0.5 })).toBe(5 * MIN);
    expect(retryWait(jittery, 1, { random: () => 0.999999 })).toBeCloseTo(5.5 * MIN, -2);
    expect(retryWait(jittery, 1, { retryAfterMs: 7 * MIN, random: () => 0 })).toBe(6.3 * MIN);
  });

  it('stays within the band over many draws', () => {
    for (let i = 0; i < 1000; i += 1) {
      const wait = retryWait(jittery, 3);
      expect(wait).toBeGreaterThanOrEqual(18 * MIN);
      expect(wait).toBeLessThanOrEqual(22 * MIN);
    }
  });
});

describe('signing (Standard Webhooks)', () => {
  const body = '{"id":179,"type":"form_submission","data":{"comment":"Grüße aus Wien — 🌿"}}';
  const msgId = '179.sub_abcdefghijklmnopqrst';
  const timestamp = new Date('2026-11-27T10:00:00.000Z');

  it('agrees byte for byte with the standardwebhooks library and the specification', () => {
    const secret = newSigningSecret();
    const header = signatureHeader([{ secret, createdAt: timestamp.toISOString() }], msgId, timestamp, body);
    expect(header).toBe(new StandardWebhook(secret).sign(msgId, timestamp, body));
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key)
      .update(`${msgId}.${Math.floor(timestamp.getTime() / 1000)}.${body}`, 'utf8')
      .digest('base64');
    expect(header).toBe(`v1,${expected}`);
  });

  it('is verified by both the standardwebhooks and the svix verifiers', () => {
    const secret = newSigningSecret();
    const sentAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    const headers = {
      'webhook-id': msgId,
      'webhook-timestamp': String(sentAt.getTime() / 1000),
      'webhook-signature': signatureHeader([{ secret, createdAt: sentAt.toISOString() }], msgId, sentAt, body),
    };
    expect(new StandardWebhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new SvixWebhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new StandardWebhook(newSigningSecret()).verify(body, headers)).toThrow();
  });

  it('sends one signature per valid secret, space-separated, during a rotation grace period', () => {
    const old = { secret: newSigningSecret(), createdAt: '2026-11-01T00:00:00.000Z' };
    const rotated = rotateSecrets([old], newSigningSecret(), timestamp, 24 * 3_600_000);
    expect(rotated).toHaveLength(2);
    expect(rotated[1]).toEqual({ ...old, expiresAt: '2026-11-28T10:00:00.000Z' });
    const header = signatureHeader(validSecrets(rotated, timestamp), msgId, timestamp, body);
    expect(header.split(' ')).toHaveLength(2);
    // After the grace period only the new secret signs.
    const later = new Date('2026-11-28T10:00:00.001Z');
    expect(validSecrets(rotated, later).map((s) => s.secret)).toEqual([rotated[0].secret]);
  });

  it('accepts a secret brought by the receiver only in the whsec_ format', () => {
    const own = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    expect(validateSigningSecret(own)).toBe(own);
    expect(() => validateSigningSecret('s3cr3t')).toThrow(/signingSecret: must be "whsec_" followed by base64/);
    expect(() => validateSigningSecret(`whsec_${Buffer.alloc(8).toString('base64')}`)).toThrow(/must encode 24 to 64 bytes, got 8/);
  });
});
