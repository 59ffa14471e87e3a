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
  // A wide allowlist entry (0.0.0.0/0, ::/0) must not open the metadata services.
  const allowed = range === 'unicast' || (!isMetadataAddress(address) && allowlist.some((cidr) => inCidr(address, cidr)));
  return { allowed, range };
}

/**
 * The cloud metadata and instance services (AWS IMDS and ECS task metadata in 169.254.0.0/16 and
 * fd00:ec2::/32, Alibaba's 100.100.100.200): never a webhook target, whatever the allowlist says.
 */
export const METADATA_RANGES: readonly Cidr[] = ['169.254.0.0/16', 'fd00:ec2::/32', '100.100.100.200/32'].map((c) => ipaddr.parseCIDR(c));
/** IPv6 forms that carry an IPv4 address in their last 32 bits and reach it: IPv4-mapped and NAT64. */
const IPV4_CARRIERS: readonly Cidr[] = ['::ffff:0:0/96', '64:ff9b::/96'].map((c) => ipaddr.parseCIDR(c));

function isMetadataAddress(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  if (METADATA_RANGES.some((cidr) => inCidr(address, cidr))) return true;
  if (address.kind() !== 'ipv6' || !IPV4_CARRIERS.some((cidr) => inCidr(address, cidr))) return false;
  const bytes = address.toByteArray().slice(12);
  return isMetadataAddress(new ipaddr.IPv4(bytes));
}

/** Entries wider than these are let through with a warning: they open much more than a receiver. */
const WIDE_PREFIX = { ipv4: 8, ipv6: 32 } as const;

/**
 * What an operator should hear about an allowlist that is valid: entries wider than a /8 (IPv4) or
 * a /32 (IPv6), and entries that cover a metadata range (which stays refused all the same).
 */
export function allowlistWarnings(cidrs: readonly Cidr[]): string[] {
  const warnings: string[] = [];
  for (const cidr of cidrs) {
    const text = cidr.map(String).join('/');
    const kind = cidr[0].kind();
    if (cidr[1] < WIDE_PREFIX[kind]) {
      warnings.push(
        `webhook target allowlist: "${text}" is very wide (wider than /${WIDE_PREFIX[kind]}): ` +
          "it lets webhooks reach far more than one receiver's network",
      );
    }
    const covered = METADATA_RANGES.filter(([network, prefix]) => network.kind() === kind && prefix >= cidr[1] && network.match(cidr));
    if (covered.length > 0) {
      warnings.push(
        `webhook target allowlist: "${text}" covers ${covered.map((c) => c.map(String).join('/')).join(', ')}; ` +
          'metadata addresses stay refused',
      );
    }
  }
  return warnings;
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
  let cidr: Cidr;
  try {
    cidr = ipaddr.parseCIDR(entry);
  } catch {
    throw problem('prefix length out of range');
  }
  if (isMetadataAddress(cidr[0])) {
    throw new Error(
      `webhook target allowlist: "${entry}" lies in a cloud metadata range ` +
        '(169.254.0.0/16, fd00:ec2::/32, 100.100.100.200); these are never webhook targets',
    );
  }
  return cidr;
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
