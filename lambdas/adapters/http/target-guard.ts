// SSRF guard, pure part: decides whether a webhook may be sent to an IP address. A subscription URL
// is chosen by whoever creates it, so without this a webhook could reach the cloud metadata service,
// the VPC or the machine itself. ipaddr.js owns the range tables; this file only decides which of its
// ranges are acceptable (public unicast and nothing else) and applies the configured allowlist.
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** A CIDR block as ipaddr.js parses it: network address and prefix length. */
export type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

export interface AddressClassification {
  allowed: boolean;
  /**
   * ipaddr.js's range name ('unicast', 'private', 'loopback', 'linkLocal', 'carrierGradeNat',
   * 'ipv4Mapped', '6to4', 'teredo', ...), 'nonGlobalUnicast' (see below) or 'invalid'. An address let
   * through by the allowlist keeps its real range, so logs still say what it is.
   */
  range: string;
}

export const BLOCKED_ERROR_CODE = 'ERR_WEBHOOK_TARGET_BLOCKED';

/**
 * ipaddr.js names special IPv6 ranges and calls everything else 'unicast', which includes
 * unallocated space and the deprecated IPv4-compatible block ::/96 (::7f00:1 is "::127.0.0.1").
 * IANA has allocated only 2000::/3 for global unicast (RFC 4291 2.4), so an IPv6 'unicast' address
 * outside it is not a public target. One allocation boundary, not a table of private ranges.
 */
const IPV6_GLOBAL_UNICAST: Cidr = ipaddr.IPv6.parseCIDR('2000::/3');

/**
 * Every form that embeds an IPv4 address (ipv4Mapped, rfc6145, rfc6052, 6to4, teredo) is refused
 * whatever it embeds, public or not: a receiver with a public IPv4 address publishes an A record, so
 * these forms in DNS answers or URLs only serve to smuggle an address past a check.
 */
export function classifyAddress(ip: string, allowlist: readonly Cidr[] = []): AddressClassification {
  // net.isIP, not ipaddr.js, decides what is an address: ipaddr.js also reads forms such as
  // '0x7f.1' or '010.0.0.1', which the resolver and the socket layer do not treat the same way.
  if (isIP(ip) === 0) return { allowed: false, range: 'invalid' };
  const address = ipaddr.parse(ip);
  const range = rangeOf(address);
  const allowed = range === 'unicast' || allowlist.some((cidr) => inCidr(address, cidr));
  return { allowed, range };
}

function rangeOf(address: ipaddr.IPv4 | ipaddr.IPv6): string {
  const range = address.range();
  if (address.kind() === 'ipv6' && range === 'unicast' && !address.match(IPV6_GLOBAL_UNICAST)) {
    return 'nonGlobalUnicast';
  }
  return range;
}

/** An IPv4 CIDR never matches an IPv6 address (IPv4-mapped ones included), nor the reverse. */
function inCidr(address: ipaddr.IPv4 | ipaddr.IPv6, [network, prefix]: Cidr): boolean {
  return address.kind() === network.kind() && address.match(network, prefix);
}

/**
 * Parses the configured allowlist: comma-separated CIDRs such as `127.0.0.0/8, ::1/128`. Blank
 * entries (a trailing comma) are ignored; anything else that is not a CIDR fails with its text.
 */
export function parseAllowlist(text: string): Cidr[] {
  const cidrs: Cidr[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    cidrs.push(parseCidrEntry(entry));
  }
  return cidrs;
}

function parseCidrEntry(entry: string): Cidr {
  const slash = entry.indexOf('/');
  const problem = (why: string): Error =>
    new Error(`webhook target allowlist: "${entry}" is not a CIDR (${why}); expected e.g. 127.0.0.0/8 or ::1/128`);
  if (slash < 0) throw problem('no /prefix length');
  if (isIP(entry.slice(0, slash)) === 0) throw problem('not an IP address before the /');
  if (!/^\d{1,3}$/.test(entry.slice(slash + 1))) throw problem('prefix length is not a number');
  try {
    return ipaddr.parseCIDR(entry);
  } catch {
    throw problem('prefix length out of range');
  }
}

/** A refused target. The text names the address and its class, never the URL or its host name. */
export class WebhookTargetBlockedError extends Error {
  override name = 'WebhookTargetBlockedError';
  readonly code = BLOCKED_ERROR_CODE;

  constructor(
    readonly address: string,
    readonly range: string,
  ) {
    super(`address ${address} is ${range}; not an allowed webhook target`);
  }
}

/** Throws WebhookTargetBlockedError unless `ip` may be a webhook target. */
export function assertAllowedAddress(ip: string, allowlist: readonly Cidr[]): void {
  const { allowed, range } = classifyAddress(ip, allowlist);
  if (!allowed) throw new WebhookTargetBlockedError(ip, range);
}

/** The guard's refusal inside an error as the HTTP stack reports it (possibly wrapped in `cause`). */
export function findBlockedError(error: unknown): WebhookTargetBlockedError | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && !seen.has(current)) {
    seen.add(current);
    if (current instanceof WebhookTargetBlockedError) return current;
    const { errors, cause } = current as { errors?: unknown; cause?: unknown };
    if (Array.isArray(errors)) {
      for (const inner of errors) {
        const found = findBlockedError(inner);
        if (found) return found;
      }
    }
    current = cause;
  }
  return undefined;
}
