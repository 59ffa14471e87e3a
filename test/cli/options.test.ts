// Option parsers of the CLI, in process.
import { describe, expect, it } from 'vitest';
import { basicAuth, header, headersObject } from '../../cli/options';

describe('CLI option parsers', () => {
  it('keeps headers named __proto__ and constructor in the payload', () => {
    const headers = headersObject([header('__proto__: pr0to'), header('constructor: c0nstructor')]);
    expect(JSON.stringify(headers)).toBe('{"__proto__":"pr0to","constructor":"c0nstructor"}');
  });

  it('refuses a bad --basic-auth or --header value without repeating it', () => {
    expect(() => basicAuth('s3cret-without-user')).toThrow(/^option '--basic-auth <user:password>' is invalid \(value not shown/);
    expect(() => basicAuth('s3cret-without-user')).not.toThrow(/s3cret/);
    expect(() => header('k3y-s3cret')).not.toThrow(/k3y/);
  });
});
