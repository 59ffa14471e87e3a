import { describe, expect, it } from 'vitest';
import { describeError, errorCodeOf, redactSecrets } from '../../lambdas/adapters/http/error-text';
import { utf8Prefix } from '../../lambdas/adapters/http/utf8-prefix';

describe('utf8Prefix', () => {
  it('keeps short text whole', () => {
    expect(utf8Prefix(Buffer.from('héllo'), 4096)).toBe('héllo');
  });

  it('drops a character cut in half instead of garbling it', () => {
    const bytes = Buffer.from('ab€', 'utf8'); // € is 3 bytes
    expect(utf8Prefix(bytes, 3)).toBe('ab');
    expect(utf8Prefix(bytes, 4)).toBe('ab');
    expect(utf8Prefix(bytes, 5)).toBe('ab€');
  });

  it('stays within the byte budget when the input is not UTF-8', () => {
    const text = utf8Prefix(Buffer.alloc(100, 0xff), 10);
    expect(Buffer.byteLength(text, 'utf8')).toBeLessThanOrEqual(10);
  });
});

describe('error texts', () => {
  const secrets = {
    url: 'https://hooks.example.com/in/s3cr3t-path?secret=s3cr3t-value&x=1',
    headers: { authorization: 'Basic dXNlcjpwYXNzd29yZA==', 'content-type': 'application/json' },
  };

  it('removes the URL, its query, its path and header values', () => {
    const text = redactSecrets(
      'failed https://hooks.example.com/in/s3cr3t-path?secret=s3cr3t-value&x=1 then ?secret=s3cr3t-value ' +
        'then s3cr3t-value then /in/s3cr3t-path then dXNlcjpwYXNzd29yZA== and Basic dXNlcjpwYXNzd29yZA==',
      secrets,
    );
    expect(text).not.toMatch(/s3cr3t|dXNlcjpwYXNzd29yZA==/);
    expect(text).toContain('***');
    expect(text.startsWith('failed ')).toBe(true);
  });

  it('removes percent-decoded forms of the secret', () => {
    const text = redactSecrets('saw a b&c', { url: 'https://h.example/p?k=a%20b%26c', headers: {} });
    expect(text).not.toContain('a b&c');
  });

  it('labels an error by its code and keeps the text short', () => {
    const error = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    expect(describeError(error, secrets)).toBe('UND_ERR_SOCKET: other side closed');
    const long = describeError(new Error('x'.repeat(1000)), secrets);
    expect(long.length).toBeLessThanOrEqual(300);
  });

  it('finds a code in a cause or in aggregated errors', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(errorCodeOf(new Error('fetch failed', { cause: refused }))).toBe('ECONNREFUSED');
    expect(errorCodeOf(new AggregateError([refused], 'all failed'))).toBe('ECONNREFUSED');
    expect(errorCodeOf('not an error')).toBeUndefined();
  });
});
