import { describe, expect, it } from 'vitest';
import { redactUrl, requestSecretsOf, scrub, scrubbedExcerpt, secretsOf } from '../../lambdas/domain/redaction';

describe('redactUrl', () => {
  it('masks every query value and keeps the keys', () => {
    expect(redactUrl('https://example.com/ist-webhook?secret=shared-secret')).toBe('https://example.com/ist-webhook?secret=***');
    expect(redactUrl('https://example.com/hook?a=1&token=abc&flag')).toBe('https://example.com/hook?a=***&token=***&***');
  });

  it('masks a bare query token, which has no `=` to mask after', () => {
    expect(redactUrl('https://x.example/hook?BareToken')).toBe('https://x.example/hook?***');
    expect(redactUrl('https://x.example/hook?BareToken&a=1')).toBe('https://x.example/hook?***&a=***');
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
    const secrets = secretsOf({
      url: 'https://example.com/ist-webhook/path-secret?secret=query-secret',
      basicAuth: { username: 'crm', password: 'pa55word' },
    });
    expect(secrets).toEqual(
      expect.arrayContaining(['path-secret', 'query-secret', 'pa55word', Buffer.from('crm:pa55word').toString('base64')]),
    );
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

describe('one scrubber for every form a secret is echoed in', () => {
  const secret = 'Sup3r/Secret Value+1';
  const secrets = secretsOf({ url: 'https://example.com/hook', headers: { 'X-Api-Key': secret } });

  it.each([
    ['as is', secret],
    ['percent-encoded', encodeURIComponent(secret)],
    ['percent-encoded, lower-case hex', encodeURIComponent(secret).toLowerCase()],
    ['form-encoded (+ for a space)', new URLSearchParams({ k: secret }).toString().slice(2)],
    ['JSON-escaped with \\/', JSON.stringify(secret).slice(1, -1).replaceAll('/', '\\/')],
    ['upper-cased', secret.toUpperCase()],
    ['lower-cased', secret.toLowerCase()],
  ])('%s', (_, form) => {
    const clean = scrub(`{"echo":"${form}","ok":true}`, secrets);
    expect(clean).toBe('{"echo":"***","ok":true}');
  });

  it('takes a copy in another case only as a whole word, so error codes stay readable', () => {
    const segment = secretsOf({ url: 'https://x.example/refused' });
    expect(scrub('connect ECONNREFUSED; REFUSED; refused', segment)).toBe('connect ECONNREFUSED; ***; ***');
  });

  it('finds a bare query token and scrubs it', () => {
    const bare = secretsOf({ url: 'https://x.example/hook?BareToken' });
    expect(bare).toContain('BareToken');
    expect(scrub('unknown token baretoken', bare)).toBe('unknown token ***');
  });

  it('finds the secrets of a request (its URL and header values) by the same rules', () => {
    const request = { url: 'https://x.example/in/p4th-secret?BareToken&k=q%2Fvalue', headers: { authorization: 'Bearer t0ken-value' } };
    const clean = scrub('p4th-secret BareToken q/value q%2Fvalue t0ken-value /in/', requestSecretsOf(request));
    expect(clean).toBe('*** *** *** *** *** /in/');
  });

  it('scrubs an excerpt before cutting it, so a secret straddling the cut leaves no part behind', () => {
    const key = 'k3y-0123456789abcdef';
    const body = 'a'.repeat(4090) + key + 'b'.repeat(100);
    const excerpt = scrubbedExcerpt(body, [key], 4096);
    expect(excerpt).toBe('a'.repeat(4090) + '***' + 'b'.repeat(3));
    // Cut first, the first six characters of the key would have been kept.
    expect(excerpt).not.toContain(key.slice(0, 6));
  });

  it('cuts the excerpt on a character boundary', () => {
    const excerpt = scrubbedExcerpt('x' + '€'.repeat(10), [], 5);
    expect(excerpt).toBe('x€');
  });
});
