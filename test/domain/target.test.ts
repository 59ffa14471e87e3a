import { describe, expect, it } from 'vitest';
import { parseTargetUrl, requestTargetOf } from '../../lambdas/domain/target';

const strict = { allowHttp: false };

describe('parseTargetUrl', () => {
  it('accepts absolute https URLs with a secret in the query or path', () => {
    expect(parseTargetUrl('https://example.com/ist-webhook?secret=shared-secret', strict)).toEqual({
      url: 'https://example.com/ist-webhook?secret=shared-secret',
    });
    expect(parseTargetUrl('https://example.com/ist-webhook/shared-secret', strict).url).toBe(
      'https://example.com/ist-webhook/shared-secret',
    );
  });

  it('moves userinfo into Basic auth and out of the URL', () => {
    expect(parseTargetUrl('https://crm:p%40ss@example.com/hook', strict)).toEqual({
      url: 'https://example.com/hook',
      basicAuth: { username: 'crm', password: 'p@ss' },
    });
  });

  it('requires https unless plain http is allowed', () => {
    expect(() => parseTargetUrl('http://example.com/hook', strict)).toThrow('url must use https; plain http is not allowed here');
    expect(parseTargetUrl('http://127.0.0.1:9000/hook', { allowHttp: true }).url).toBe('http://127.0.0.1:9000/hook');
  });

  it('rejects what is not an absolute http(s) URL, naming the field and not echoing the value', () => {
    expect(() => parseTargetUrl('example.com/hook?secret=abc', strict)).toThrow(/^url must be an absolute URL/);
    expect(() => parseTargetUrl('ftp://example.com/x', strict)).toThrow('url must use https (got ftp)');
    expect(() => parseTargetUrl('', strict)).toThrow('url must be a non-empty string');
    expect(() => parseTargetUrl(42, strict)).toThrow('url must be a non-empty string');
    expect(() => parseTargetUrl('https://example.com/hook#frag', strict)).toThrow(/fragment/);
    expect(() => parseTargetUrl(`https://example.com/${'a'.repeat(3000)}`, strict)).toThrow(/at most 2048/);
    const withSecret = () => parseTargetUrl('nope?secret=s3cr3t', strict);
    expect(withSecret).toThrow(/^url must be an absolute URL/);
    expect(withSecret).not.toThrow(/s3cr3t/);
  });
});

describe('requestTargetOf', () => {
  it('sends stored credentials as Basic auth', () => {
    expect(requestTargetOf({ url: 'https://example.com/hook', basicAuth: { username: 'u', password: 'p' } })).toEqual({
      url: 'https://example.com/hook',
      authorization: `Basic ${Buffer.from('u:p').toString('base64')}`,
    });
  });

  it('never sends userinfo in the URL: it becomes the Authorization header', () => {
    const target = requestTargetOf({ url: 'https://crm:secret@example.com/hook?x=1' });
    expect(target.url).toBe('https://example.com/hook?x=1');
    expect(target.authorization).toBe(`Basic ${Buffer.from('crm:secret').toString('base64')}`);
  });

  it('sends no Authorization header without credentials', () => {
    expect(requestTargetOf({ url: 'https://example.com/hook?secret=x' })).toEqual({
      url: 'https://example.com/hook?secret=x',
      authorization: undefined,
    });
  });
});
