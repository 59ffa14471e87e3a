// TARGET_ALLOWLIST as the SSRF guard's CIDRs, for the sender (at every connection) and the
// subscriptions function (which refuses a target the sender would block). A wide entry is allowed
// but logged at cold start; metadata ranges are refused by parseAllowlist itself.
import { allowlistWarnings, parseAllowlist, type Cidr } from '../adapters/http/target-guard';
import { ConfigError } from '../config';
import type { Log } from '../domain/log';

export function targetAllowlist(text: string, log: Log): Cidr[] {
  let cidrs: Cidr[];
  try {
    cidrs = parseAllowlist(text);
  } catch (error) {
    throw new ConfigError(`invalid configuration: TARGET_ALLOWLIST: ${(error as Error).message}`);
  }
  for (const warning of allowlistWarnings(cidrs)) log.warn('TARGET_ALLOWLIST is wide', { warning });
  return cidrs;
}
