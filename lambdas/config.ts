// Configuration from the environment, validated once at cold start. A missing or bad value throws an
// error naming the variable, so a misconfigured function fails its first invocation loudly.
import * as z from 'zod';
import { defaultCircuitPolicy } from './domain/circuit';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

/** Defaults here are the service's defaults; the CDK stack and the local runtime pass the same ones. */
export const defaults = {
  attemptTimeoutMs: 5_000,
  retryBaseDelayMs: 5 * 60_000,
  retryMultiplier: 2,
  retryJitter: 0.1,
  maxAttempts: 10,
  retentionDays: 30,
  // A wake-up lost with a crashed sender is sent again at most grace + the sweeper's 5-minute
  // interval after it was due: 5 + 5 keeps that worst case near 10 minutes (docs/operations.md, After a crash).
  sweepGraceMs: 5 * 60_000,
  subscriptionCacheMs: 30_000,
  maxEventBytes: 256 * 1024,
  /** How long a rotated-out signing secret keeps signing. */
  signingSecretGraceMs: 24 * 3_600_000,
  /** A subscription whose attempts have all failed this long is disabled (reason `failing`). */
  failingDisableAfterMs: 5 * 86_400_000,
  /** The circuit breaker and the slow lane: the domain's defaults (lambdas/domain/circuit.ts says why these). */
  circuitFailureThreshold: defaultCircuitPolicy.failureThreshold,
  circuitMinRunMs: defaultCircuitPolicy.minRunMs,
  circuitFirstProbeMs: defaultCircuitPolicy.firstProbeMs,
  circuitMaxProbeMs: defaultCircuitPolicy.maxProbeMs,
  slowAttemptMs: defaultCircuitPolicy.slowAfterMs,
  slowLaneMs: defaultCircuitPolicy.slowForMs,
} as const;

/** Every variable's rule: the functions check it at cold start, the stack at synth (lib/stack-config.ts). */
export const configSchema = {
  SUBSCRIPTIONS_TABLE: z.string().min(1),
  EVENTS_TABLE: z.string().min(1),
  DELIVERIES_TABLE: z.string().min(1),
  ATTEMPTS_TABLE: z.string().min(1),
  FANOUTS_TABLE: z.string().min(1),
  LIMITS_TABLE: z.string().min(1),
  DELIVERIES_QUEUE_URL: z.string().url(),
  DELIVERIES_QUEUE_ARN: z.string().startsWith('arn:'),
  EVENTS_DLQ_URL: z.string().url(),
  /** The dead-letters function sends redriven events back here. */
  EVENTS_QUEUE_URL: z.string().url(),
  DELIVERIES_DLQ_URL: z.string().url(),
  SCHEDULE_GROUP: z.string().min(1),
  SCHEDULER_ROLE_ARN: z.string().startsWith('arn:'),
  ATTEMPT_TIMEOUT_MS: positiveInt(defaults.attemptTimeoutMs),
  RETRY_BASE_DELAY_MS: positiveInt(defaults.retryBaseDelayMs),
  RETRY_MULTIPLIER: z.coerce.number().min(1).max(10).default(defaults.retryMultiplier),
  MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(defaults.maxAttempts),
  RETRY_JITTER: z.coerce.number().min(0).max(0.5).default(defaults.retryJitter),
  RETENTION_DAYS: positiveInt(defaults.retentionDays),
  SWEEP_GRACE_MS: positiveInt(defaults.sweepGraceMs),
  SUBSCRIPTION_CACHE_MS: z.coerce.number().int().min(0).default(defaults.subscriptionCacheMs),
  MAX_EVENT_BYTES: positiveInt(defaults.maxEventBytes),
  SIGNING_SECRET_GRACE_MS: z.coerce.number().int().min(0).default(defaults.signingSecretGraceMs),
  FAILING_DISABLE_AFTER_MS: positiveInt(defaults.failingDisableAfterMs),
  /** Comma-separated CIDRs a webhook target may resolve to although private/loopback/…; empty by default. */
  TARGET_ALLOWLIST: z.string().default(''),
  /** SNS topic for support notifications (subscription disabled); the local runtime logs instead. */
  NOTIFY_TOPIC_ARN: z.string().startsWith('arn:'),
  /** The customer-managed KMS key that wraps the data keys of the subscriptions' secrets (subscriptions and sender functions). */
  SECRETS_KEY_ARN: z.string().startsWith('arn:'),
  CIRCUIT_FAILURE_THRESHOLD: z.coerce.number().int().min(1).max(1000).default(defaults.circuitFailureThreshold),
  /**
   * How long a run of failures must last before it opens a circuit: 0 (the count alone decides) to an
   * hour; longer would let a receiver that is down take an attempt from every due delivery for hours.
   */
  CIRCUIT_MIN_RUN_MS: z.coerce
    .number({ error: 'expected a number of milliseconds' })
    .int({ error: 'expected a whole number of milliseconds' })
    .min(0, { error: 'expected 0 or more milliseconds' })
    .max(3_600_000, { error: 'expected at most 3600000 milliseconds (an hour)' })
    .default(defaults.circuitMinRunMs),
  CIRCUIT_FIRST_PROBE_MS: positiveInt(defaults.circuitFirstProbeMs),
  CIRCUIT_MAX_PROBE_MS: positiveInt(defaults.circuitMaxProbeMs),
  SLOW_ATTEMPT_MS: positiveInt(defaults.slowAttemptMs),
  SLOW_LANE_MS: positiveInt(defaults.slowLaneMs),
  /** The slow lane's queue: degraded subscriptions' wake-ups go there. Unset: one lane (tests of other parts). */
  SLOW_DELIVERIES_QUEUE_URL: z.string().url().optional(),
  /** Which queue this sender consumes: the main lane hands degraded subscriptions' wake-ups to the slow one. */
  SENDER_LANE: z.enum(['main', 'slow']).default('main'),
  /** Plain http targets; true only where configured (the local runtime), https otherwise. */
  ALLOW_HTTP: flag(false),
} as const;

const schema = configSchema;
type Schema = typeof schema;
export type ConfigKey = keyof Schema;
export type Config<K extends ConfigKey> = { [P in K]: z.output<Schema[P]> };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates the given variables; throws one ConfigError listing every bad one. */
export function loadConfig<K extends ConfigKey>(env: Record<string, string | undefined>, keys: readonly K[]): Config<K> {
  const problems: string[] = [];
  const out: Partial<Record<ConfigKey, unknown>> = {};
  for (const key of keys) {
    const raw = env[key] === '' ? undefined : env[key];
    const parsed = schema[key].safeParse(raw);
    if (parsed.success) out[key] = parsed.data;
    else problems.push(`${key}=${raw === undefined ? '(unset)' : JSON.stringify(raw)}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  return out as Config<K>;
}

export const tableKeys = [
  'SUBSCRIPTIONS_TABLE',
  'EVENTS_TABLE',
  'DELIVERIES_TABLE',
  'ATTEMPTS_TABLE',
  'FANOUTS_TABLE',
  'LIMITS_TABLE',
] as const;
export const retryKeys = ['RETRY_BASE_DELAY_MS', 'RETRY_MULTIPLIER', 'MAX_ATTEMPTS', 'RETRY_JITTER'] as const;
export const circuitKeys = [
  'CIRCUIT_FAILURE_THRESHOLD',
  'CIRCUIT_MIN_RUN_MS',
  'CIRCUIT_FIRST_PROBE_MS',
  'CIRCUIT_MAX_PROBE_MS',
  'SLOW_ATTEMPT_MS',
  'SLOW_LANE_MS',
] as const;
