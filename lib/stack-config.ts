// The stack's configuration comes from CDK context (cdk.json "context" or `cdk deploy -c key=value`).
// Defaults are the service's own (lambdas/config.ts), so the stack and the local runtime agree.
// Values are checked at synth time against the bounds the functions enforce at cold start, plus the
// few the stack adds: a bad value fails `cdk synth` naming the key instead of deploying functions
// that cannot start.
import type { Node } from 'constructs';
import { parseAllowlist } from '../lambdas/adapters/http/target-guard';
import { defaults } from '../lambdas/config';

export interface StackConfig {
  /** attemptTimeoutMs: whole-response timeout of one POST, in ms (ATTEMPT_TIMEOUT_MS). Default 5000. */
  attemptTimeoutMs: number;
  /** retryBaseDelayMs: wait before the first retry, in ms (RETRY_BASE_DELAY_MS). Default 300000 (5 min). */
  retryBaseDelayMs: number;
  /** retryMultiplier: factor each further wait grows by (RETRY_MULTIPLIER). Default 2. */
  retryMultiplier: number;
  /** maxAttempts: attempts per delivery, the first included, before it is failed (MAX_ATTEMPTS). Default 10. */
  maxAttempts: number;
  /** retentionDays: days until stored events, deliveries and attempts expire by TTL (RETENTION_DAYS). Default 30. */
  retentionDays: number;
  /** senderMaxConcurrency: most sender instances the deliveries queue trigger runs at once. Default 20. */
  senderMaxConcurrency: number;
  /** sweepGraceMs: how long past its due time a pending delivery waits before the sweeper re-enqueues it (SWEEP_GRACE_MS). Default 600000 (10 min). */
  sweepGraceMs: number;
  /** retryJitter: each retry wait is spread by up to this fraction either way (RETRY_JITTER). Default 0.1 (±10 %). */
  retryJitter: number;
  /** signingSecretGraceMs: how long a rotated-out signing secret keeps signing (SIGNING_SECRET_GRACE_MS). Default 86400000 (24 h). */
  signingSecretGraceMs: number;
  /** failingDisableAfterMs: a subscription failing this long without a delivery is disabled (FAILING_DISABLE_AFTER_MS). Default 432000000 (5 days). */
  failingDisableAfterMs: number;
  /** targetAllowlist: comma-separated CIDRs webhook targets may resolve to despite being private (TARGET_ALLOWLIST). Default none. */
  targetAllowlist: string;
}

export type StackConfigKey = keyof StackConfig;
type NumericKey = Exclude<StackConfigKey, 'targetAllowlist'>;

interface Setting {
  fallback: number;
  min: number;
  max?: number;
  integer: boolean;
}

const settings: Record<NumericKey, Setting> = {
  // Well under the sender's 60 s function timeout: a POST must never outlive the function that
  // claimed the attempt, or the attempt would never be recorded.
  attemptTimeoutMs: { fallback: defaults.attemptTimeoutMs, min: 1, max: 30_000, integer: true },
  retryBaseDelayMs: { fallback: defaults.retryBaseDelayMs, min: 1, integer: true },
  retryMultiplier: { fallback: defaults.retryMultiplier, min: 1, max: 10, integer: false },
  maxAttempts: { fallback: defaults.maxAttempts, min: 1, max: 100, integer: true },
  retentionDays: { fallback: defaults.retentionDays, min: 1, integer: true },
  // Lambda accepts a maximum concurrency from 2 to 1000 on an SQS event source.
  senderMaxConcurrency: { fallback: 20, min: 2, max: 1000, integer: true },
  sweepGraceMs: { fallback: defaults.sweepGraceMs, min: 1, integer: true },
  retryJitter: { fallback: defaults.retryJitter, min: 0, max: 0.5, integer: false },
  signingSecretGraceMs: { fallback: defaults.signingSecretGraceMs, min: 0, integer: true },
  failingDisableAfterMs: { fallback: defaults.failingDisableAfterMs, min: 1, integer: true },
};

export const stackConfigKeys = [...(Object.keys(settings) as NumericKey[]), 'targetAllowlist'] as StackConfigKey[];

export class StackConfigError extends Error {
  override name = 'StackConfigError';
}

/** Reads every key from context, falling back to its default; throws one error listing every bad key. */
export function readStackConfig(node: Node): StackConfig {
  const problems: string[] = [];
  const config = {} as StackConfig;
  for (const key of Object.keys(settings) as NumericKey[]) {
    const result = parseSetting(node.tryGetContext(key), settings[key]);
    if (typeof result === 'number') config[key] = result;
    else problems.push(`"${key}": ${result.problem}`);
  }
  const allowlist: unknown = node.tryGetContext('targetAllowlist') ?? '';
  try {
    if (typeof allowlist !== 'string') throw new Error(`expected a comma-separated list of CIDRs, got ${JSON.stringify(allowlist)}`);
    parseAllowlist(allowlist);
    config.targetAllowlist = allowlist;
  } catch (error) {
    problems.push(`"targetAllowlist": ${(error as Error).message}`);
  }
  if (problems.length > 0) {
    throw new StackConfigError(`invalid CDK context ${problems.join('; ')} (set in cdk.json or with -c key=value)`);
  }
  return config;
}

/** Context from cdk.json arrives as a number, from `-c key=value` as a string: both are accepted. */
function parseSetting(raw: unknown, setting: Setting): number | { problem: string } {
  if (raw === undefined) return setting.fallback;
  const { min, max = Number.MAX_SAFE_INTEGER } = setting;
  const range = setting.max === undefined ? `of at least ${min}` : `from ${min} to ${max}`;
  const expected = `expected ${setting.integer ? 'an integer' : 'a number'} ${range}`;
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  const valid = Number.isFinite(value) && (!setting.integer || Number.isInteger(value)) && value >= min && value <= max;
  return valid ? value : { problem: `${expected}, got ${JSON.stringify(raw)}` };
}
