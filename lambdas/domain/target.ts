// Subscription URLs: what is accepted at creation, and how a stored subscription becomes the URL and
// Authorization header of a request. Userinfo never travels in the URL; it becomes Basic auth.
import { ValidationError } from './errors';
import type { BasicAuth, Subscription } from './types';

export const MAX_URL_LENGTH = 2048;

export interface TargetRules {
  /** Plain http is refused unless configured (the local runtime allows it). */
  allowHttp: boolean;
  /**
   * The sender's SSRF guard (adapters/http/target-guard.ts, with the configured allowlist): an IP
   * address it would block at every attempt is refused when the subscription is set up instead.
   */
  classifyAddress?: (ip: string) => { allowed: boolean; range: string };
}

export interface ParsedTarget {
  /** The URL without userinfo, as it will be requested. */
  url: string;
  /** Credentials found in the URL's userinfo, if any. */
  basicAuth?: BasicAuth;
}

/** Validates a subscription URL; the error names the field `url` and never repeats the URL. */
export function parseTargetUrl(raw: unknown, rules: TargetRules, field = 'url'): ParsedTarget {
  if (typeof raw !== 'string' || raw.trim() === '') throw new ValidationError(`${field} must be a non-empty string`);
  if (raw.length > MAX_URL_LENGTH) throw new ValidationError(`${field} must be at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ValidationError(`${field} must be an absolute URL like https://example.com/hook`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ValidationError(`${field} must use https (got ${url.protocol.slice(0, -1)})`);
  }
  if (url.protocol === 'http:' && !rules.allowHttp) {
    throw new ValidationError(`${field} must use https; plain http is not allowed here`);
  }
  if (!url.hostname) throw new ValidationError(`${field} must have a host`);
  refuseBlockedAddress(url.hostname, rules, field);
  if (url.hash) throw new ValidationError(`${field} must not contain a #fragment (it is never sent to the receiver)`);
  let basicAuth: BasicAuth | undefined;
  if (url.username || url.password) {
    basicAuth = { username: safeDecode(url.username), password: safeDecode(url.password) };
    // Basic auth joins user and password with the first `:`: an encoded one in the user name would
    // make the receiver read another user (and part of the password as its name).
    if (basicAuth.username.includes(':'))
      throw new ValidationError(`${field} must not contain ":" (or %3A) in the user name of its userinfo`);
    url.username = '';
    url.password = '';
  }
  return { url: url.toString(), basicAuth };
}

/**
 * An IP-literal host (or a `localhost` name, loopback by definition) is judged as the sender will
 * judge it. Other host names are resolved at each connection, and checked then.
 */
function refuseBlockedAddress(hostname: string, rules: TargetRules, field: string): void {
  if (!rules.classifyAddress) return;
  const host = hostname.replace(/^\[(.*)\]$/, '$1');
  const loopbackName = host === 'localhost' || host.endsWith('.localhost');
  const verdict = rules.classifyAddress(loopbackName ? '127.0.0.1' : host);
  if (verdict.range === 'invalid' || verdict.allowed) return;
  const what = loopbackName ? `${host} is loopback` : `${host} is in the ${verdict.range} range`;
  throw new ValidationError(`${field}: ${what}; the sender only calls public addresses, so every attempt would be blocked`);
}

export interface RequestTarget {
  url: string;
  authorization?: string;
}

/** The URL to request and the Authorization header, from stored credentials or the URL's userinfo. */
export function requestTargetOf(subscription: Pick<Subscription, 'url' | 'basicAuth'>): RequestTarget {
  const url = new URL(subscription.url);
  const fromUrl = url.username || url.password ? { username: safeDecode(url.username), password: safeDecode(url.password) } : undefined;
  url.username = '';
  url.password = '';
  const auth = subscription.basicAuth ?? fromUrl;
  return {
    url: url.toString(),
    authorization: auth ? basicAuthorization(auth) : undefined,
  };
}

export function basicAuthorization(auth: BasicAuth): string {
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
