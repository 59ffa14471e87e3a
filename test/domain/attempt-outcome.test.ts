import { describe, expect, it } from 'vitest';
import { classifyAttempt } from '../../lambdas/domain/attempt-outcome';

const response = (statusCode: number, body = '') => ({ kind: 'response' as const, statusCode, headers: {}, body, durationMs: 12.4 });

describe('attempt outcome classification', () => {
  it('counts every 2xx, and only a 2xx, as delivered', () => {
    for (const code of [200, 201, 202, 204, 299]) expect(classifyAttempt(response(code)).outcome).toBe('delivered');
    expect(classifyAttempt(response(200, 'ok'))).toEqual({ outcome: 'delivered', statusCode: 200, responseBody: 'ok', durationMs: 12 });
  });

  it('records 429 and 500 as http_status failures with the status and body excerpt', () => {
    expect(classifyAttempt(response(429, 'slow down'))).toEqual({
      outcome: 'http_status',
      statusCode: 429,
      error: 'HTTP 429',
      responseBody: 'slow down',
      durationMs: 12,
    });
    expect(classifyAttempt(response(500, 'boom'))).toMatchObject({ outcome: 'http_status', statusCode: 500, error: 'HTTP 500' });
    expect(classifyAttempt(response(404)).outcome).toBe('http_status');
    expect(classifyAttempt(response(100)).outcome).toBe('http_status');
  });

  it('records a redirect as a failure that says it was not followed', () => {
    const c = classifyAttempt(response(302));
    expect(c.outcome).toBe('http_status');
    expect(c.statusCode).toBe(302);
    expect(c.error).toMatch(/redirect not followed/);
    expect(classifyAttempt(response(301)).outcome).toBe('http_status');
    expect(classifyAttempt(response(308)).outcome).toBe('http_status');
  });

  it('records timeouts, refused connections and blocked targets with their own outcome', () => {
    expect(classifyAttempt({ kind: 'timeout', durationMs: 5000.2, error: 'no complete response within 5000 ms' })).toEqual({
      outcome: 'timeout',
      error: 'no complete response within 5000 ms',
      durationMs: 5000,
    });
    expect(
      classifyAttempt({ kind: 'network', durationMs: 1, error: 'ECONNREFUSED: connection refused', code: 'ECONNREFUSED' }),
    ).toMatchObject({
      outcome: 'network',
      error: 'ECONNREFUSED: connection refused',
    });
    expect(classifyAttempt({ kind: 'blocked', durationMs: 0, error: 'address 10.0.0.1 is private' }).outcome).toBe('blocked');
  });
});
