// SSRF guard, network part: the `lookup` function the webhook sockets use instead of dns.lookup.
// Checking a host name and then letting the socket resolve it again leaves a DNS rebinding window
// (first answer public, second one 169.254.169.254). Here the one resolution that is checked is the
// one the socket connects to: net.connect/tls.connect call this and dial exactly what it returns.
import { promises as dns, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { assertAllowedAddress, type Cidr } from './target-guard';

export interface ResolveOptions {
  /** 0 (any), 4 or 6, as the socket layer asks. */
  family?: number;
  hints?: number;
}

/** Resolves a host name to all its addresses, in the order the connector should prefer them. */
export type Resolver = (hostname: string, options: ResolveOptions) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname, { family, hints }) =>
  dns.lookup(hostname, { all: true, family: family ?? 0, ...(hints === undefined ? {} : { hints }) });

/**
 * Resolves `hostname` once and returns the one address to connect to. Every resolved address is
 * checked, and any refused one refuses the host: a name that also points inside the network is not
 * a public receiver, and a connector falling back through the list must never reach it.
 */
export async function resolveApprovedAddress(
  hostname: string,
  options: ResolveOptions,
  allowlist: readonly Cidr[],
  resolve: Resolver = systemResolver,
): Promise<LookupAddress> {
  const addresses = await resolve(hostname, options);
  const first = addresses[0];
  if (first === undefined) {
    throw Object.assign(new Error(`no address found for the webhook host`), { code: 'ENOTFOUND' });
  }
  for (const { address } of addresses) assertAllowedAddress(address, allowlist);
  return first;
}

/** A net/tls `lookup` option that only ever hands the socket one address the guard approved. */
export function createGuardedLookup(allowlist: readonly Cidr[], resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    const wanted = { family: familyNumber(options.family), hints: options.hints };
    resolveApprovedAddress(hostname, wanted, allowlist, resolve).then(
      (approved) => {
        // With autoSelectFamily (Node's default) the socket asks for `all` and tries each entry in
        // turn; a one-entry list leaves it nothing else to try.
        if (options.all) callback(null, [approved]);
        else callback(null, approved.address, approved.family);
      },
      (error: NodeJS.ErrnoException) => {
        if (options.all) callback(error, []);
        else callback(error, '');
      },
    );
  };
}

function familyNumber(family: number | 'IPv4' | 'IPv6' | undefined): number {
  if (family === 'IPv4') return 4;
  if (family === 'IPv6') return 6;
  return family ?? 0;
}
