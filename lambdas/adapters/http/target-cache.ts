// What a webhook URL means to the client before anything is sent: the origin and path to dispatch
// to, and, with the SSRF guard on, whether an IP-literal host is refused. That depends on the URL and
// the fixed allowlist alone, so it is worked out once per URL and remembered (a sender posts to the
// same few URLs over and over). Host names are not decided here: the guarded lookup still resolves
// and checks every connection's addresses.
import { isIP } from 'node:net';
import { classifyAddress, WebhookTargetBlockedError, type Cidr } from './target-guard';
// Not from 'undici': its index costs the sender's bundle ~240 KB and its cold start the loading (see undici-core).
import { errors } from './undici-core';

export type Target =
  | { kind: 'target'; origin: string; path: string }
  | { kind: 'refused'; refusal: WebhookTargetBlockedError }
  /** Not an http(s) URL; reported as a network error, as undici's own URL check would be. */
  | { kind: 'invalid'; reason: string };

/** More URLs than any sender instance posts to in its life; a bound only against unbounded growth. */
const DEFAULT_MAX_ENTRIES = 1_000;

export class TargetCache {
  private readonly entries = new Map<string, Target>();

  constructor(
    /** Undefined: no guard, every literal is allowed. */
    private readonly allowlist: readonly Cidr[] | undefined,
    private readonly maxEntries = DEFAULT_MAX_ENTRIES,
  ) {}

  get(url: string): Target {
    let target = this.entries.get(url);
    if (target === undefined) {
      target = targetOf(url, this.allowlist);
      // Oldest first out: a Map iterates in insertion order.
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(url, target);
    }
    return target;
  }
}

/** The error an invalid target is reported with: undici's own class, so the text and code read the same. */
export function invalidTargetError(target: Extract<Target, { kind: 'invalid' }>): Error {
  return new errors.InvalidArgumentError(target.reason);
}

function targetOf(url: string, allowlist: readonly Cidr[] | undefined): Target {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { kind: 'invalid', reason: 'Invalid URL' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { kind: 'invalid', reason: 'Invalid URL protocol: the URL must start with `http:` or `https:`.' };
  }
  if (allowlist !== undefined) {
    // Node's net.connect dials an IP-literal host without calling `lookup`, so the guard decides
    // those here. The URL parser has already canonicalised them ('0x7f.1' -> '127.0.0.1', IPv6 in brackets).
    const { hostname } = parsed;
    const literal = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
    if (isIP(literal) !== 0) {
      const { allowed, range } = classifyAddress(literal, allowlist);
      if (!allowed) return { kind: 'refused', refusal: new WebhookTargetBlockedError(literal, range) };
    }
  }
  // As undici's request() splits a URL; the fragment is never sent.
  return { kind: 'target', origin: parsed.origin, path: parsed.search ? `${parsed.pathname}${parsed.search}` : parsed.pathname };
}
