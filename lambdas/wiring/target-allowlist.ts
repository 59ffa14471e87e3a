// TARGET_ALLOWLIST as the SSRF guard's CIDRs, for the sender (at every connection) and the
// subscriptions function (which refuses a target the sender would block).
import { parseAllowlist, type Cidr } from '../adapters/http/target-guard';
import { ConfigError } from '../config';

export function targetAllowlist(text: string): Cidr[] {
  try {
    return parseAllowlist(text);
  } catch (error) {
    throw new ConfigError(`invalid configuration: TARGET_ALLOWLIST: ${(error as Error).message}`);
  }
}
