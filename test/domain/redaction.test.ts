import { describe, expect, it } from 'vitest';
import { redactUrl, scrub, secretsOf } from '../../lambdas/domain/redaction';

describe('redactUrl', () => {
  it('masks every query value and keeps the keys', () => {
    expect(redactUrl('https://example.com/ist-webhook?secret=shared-secret')).toBe('https://example.com/ist-webhook?secret=***');
    expect(redactUrl('https://example.com/hook?a=1&token=abc&flag')).toBe('https://example.com/hook?a=***&token=***&flag');
  });

  it('masks path segments that may hold the secret', () => {
    expect(redactUrl('https://example.com/ist-webhook/shared-secret')).toBe('https://example.com/ist-webhook/***');
    expect(redactUrl('https://example.com/hooks/crm/abc123')).toBe('https://example.com/hooks/***/***');
    expect(redactUrl('https://example.com/s3cr3t-token')).toBe('https://example.com/***');
    expect(redactUrl('https://example.com/')).toBe('https://example.com/');
  });

  it('masks userinfo and keeps host and port', () => {
    expect(redactUrl('https://user:pa55word@example.com:8443/hook?x=1')).toBe('https://***@example.com:8443/hook?x=***');
  });

  it('never echoes a string that is not a URL', () => {
    expect(redactUrl('not a url with secret')).toBe('***');
  });
});

describe('secretsOf and scrub', () => {
  it('finds query values, secret path segments and Basic auth credentials', () => {
    const secrets = secretsOf({ url: 'https://example.com/ist-webhook/path-secret?secret=query-secret', basicAuth: { username: 'crm', password: 'pa55word' } });
    expect(secrets).toEqual(expect.arrayContaining(['path-secret', 'query-secret', 'pa55word', Buffer.from('crm:pa55word').toString('base64')]));
    expect(secrets).not.toContain('ist-webhook');
  });

  it('removes every occurrence of every secret from free text', () => {
    const secrets = secretsOf({ url: 'https://example.com/hook?secret=s3cr3t-value' });
    const text = 'error at https://example.com/hook?secret=s3cr3t-value: s3cr3t-value rejected';
    const clean = scrub(text, secrets);
    expect(clean).not.toContain('s3cr3t-value');
    expect(clean).toContain('***');
  });

  it('treats a username without a password as the secret (https://TOKEN@host/)', () => {
    expect(secretsOf({ url: 'https://example.com/hook', basicAuth: { username: 'tok3n-value', password: '' } })).toContain('tok3n-value');
  });

  it('ignores values too short to be secrets, so ordinary text stays readable', () => {
    expect(secretsOf({ url: 'https://example.com/hook?v=1' })).toEqual([]);
  });
});
