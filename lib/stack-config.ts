// The stack's configuration comes from CDK context (cdk.json "context" or `cdk deploy -c key=value`).
// A key that becomes a function variable takes that variable's default and is checked at synth time
// by the very rule the functions enforce at cold start (lambdas/config.ts), plus the few bounds the
// stack adds: a bad value fails `cdk synth` naming the key instead of deploying functions
// that cannot start.
import type { Node } from 'constructs';
import { parseAllowlist } from '../lambdas/adapters/http/target-guard';
import { configSchema, type ConfigKey } from '../lambdas/config';
import { functionSpecs, SLOW_SENDER_CONCURRENCY } from './functions';
import { SQS_MAX_DELAY } from './queues';

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
  /** ingestMaxConcurrency: most ingest instances the events queue trigger runs at once. Default 10. */
  ingestMaxConcurrency: number;
  /**
   * sweepGraceMs: how long past its due time a pending delivery waits before the sweeper re-enqueues
   * it (SWEEP_GRACE_MS). Default 300000 (5 min).
   */
  sweepGraceMs: number;
  /** retryJitter: each retry wait is spread by up to this fraction either way (RETRY_JITTER). Default 0.1 (±10 %). */
  retryJitter: number;
  /** signingSecretGraceMs: how long a rotated-out signing secret keeps signing (SIGNING_SECRET_GRACE_MS). Default 86400000 (24 h). */
  signingSecretGraceMs: number;
  /**
   * failingDisableAfterMs: a subscription failing this long without a delivery is disabled
   * (FAILING_DISABLE_AFTER_MS). Default 432000000 (5 days).
   */
  failingDisableAfterMs: number;
  /** slowSenderConcurrency: reserved concurrency of the slow lane's sender (degraded subscriptions). Default 5, at least 2. */
  slowSenderConcurrency: number;
  /**
   * circuitFailureThreshold: timeouts, connection failures or 5xx in a row that open a subscription's
   * circuit once the run has lasted circuitMinRunMs (CIRCUIT_FAILURE_THRESHOLD). Default 5.
   */
  circuitFailureThreshold: number;
  /**
   * circuitMinRunMs: how long a run of failures must have lasted, from its first failure, before it
   * opens a circuit (CIRCUIT_MIN_RUN_MS). Default 10000; 0 to 3600000.
   */
  circuitMinRunMs: number;
  /**
   * circuitFirstProbeMs: wait from a circuit's opening to its first probe (CIRCUIT_FIRST_PROBE_MS).
   * Default 30000; doubles per failed probe.
   */
  circuitFirstProbeMs: number;
  /** circuitMaxProbeMs: longest wait between probes (CIRCUIT_MAX_PROBE_MS). Default 1800000 (30 min). */
  circuitMaxProbeMs: number;
  /** slowAttemptMs: an attempt in flight this long makes its subscription slow: slow lane (SLOW_ATTEMPT_MS). Default 2500. */
  slowAttemptMs: number;
  /** slowLaneMs: how long a slow subscription stays in the slow lane after its last slow attempt (SLOW_LANE_MS). Default 600000. */
  slowLaneMs: number;
  /** targetAllowlist: comma-separated CIDRs webhook targets may resolve to despite being private (TARGET_ALLOWLIST). Default none. */
  targetAllowlist: string;
  /**
   * alarmEventsQueueAgeSeconds: the events-queue alarm fires when its oldest message is older than
   * this, in seconds. Default 600 (10 min); at least 300, because a repeated event that is still
   * being fanned out is retried after one visibility timeout (3 min) by design.
   */
  alarmEventsQueueAgeSeconds: number;
  /**
   * alarmDeliveriesQueueAgeSeconds: the deliveries-queue alarm fires when its oldest message is older
   * than this, in seconds. Default 1800 (30 min). Retry wake-ups wait in this queue as delayed
   * messages for up to 15 min; SQS does not document that the delay is left out of the age (in-flight
   * messages are counted from their send), so the threshold assumes it is counted: at least 960 (the
   * longest delay plus the sender's 60 s timeout). The default also lets one redelivery after a
   * failed receive (6 min visibility timeout) of a fully delayed message pass without an alarm.
   */
  alarmDeliveriesQueueAgeSeconds: number;
  /**
   * alarmSlowDeliveriesQueueAgeSeconds: the slow lane's queue alarm fires when its oldest message is
   * older than this, in seconds. Default 3600 (1 h), at least 960 like the deliveries queue's (its
   * wake-ups wait there as delayed messages too). Longer than the main lane's by default: the slow
   * lane serves receivers that are slow or down with a small reserved concurrency, so its wake-ups
   * may queue a while by design; at the default 5 senders, batches of 10 and a 5 s attempt timeout
   * it drains at least 10 wake-ups a second, so an hour behind is a stopped or far outgrown lane.
   */
  alarmSlowDeliveriesQueueAgeSeconds: number;
  /** alarmDeliveriesFailed: the given-up alarm fires at this many deliveries failed (all attempts used) within one hour. Default 1. */
  alarmDeliveriesFailed: number;
  /**
   * alarmFunctionErrors: an errors alarm fires at this many errors of ingest, the sender, the slow
   * sender or the sweeper within 5 minutes. Default 1.
   */
  alarmFunctionErrors: number;
  /**
   * alarmFunctionThrottles: a throttles alarm fires at this many throttled invocations of ingest, the
   * sender or the slow sender within 5 minutes. Default 1.
   */
  alarmFunctionThrottles: number;
}

export type StackConfigKey = keyof StackConfig;
type NumericKey = Exclude<StackConfigKey, 'targetAllowlist'>;

/**
 * A numeric context key. One that becomes a function variable is checked by that variable's own rule
 * (bounds and default, lambdas/config.ts), then by any bounds the stack adds; the others by their own.
 */
interface Setting {
  variable?: ConfigKey;
  /** Default of a key that is no function variable. */
  fallback?: number;
  min?: number;
  max?: number;
  integer?: boolean;
}

const settings: Record<NumericKey, Setting> = {
  // Well under the sender's 60 s function timeout: a POST must never outlive the function that
  // claimed the attempt, or the attempt would never be recorded.
  attemptTimeoutMs: { variable: 'ATTEMPT_TIMEOUT_MS', max: 30_000, integer: true },
  retryBaseDelayMs: { variable: 'RETRY_BASE_DELAY_MS' },
  retryMultiplier: { variable: 'RETRY_MULTIPLIER' },
  maxAttempts: { variable: 'MAX_ATTEMPTS' },
  retentionDays: { variable: 'RETENTION_DAYS' },
  // Lambda accepts a maximum concurrency from 2 to 1000 on an SQS event source.
  senderMaxConcurrency: { fallback: 20, min: 2, max: 1000, integer: true },
  // A burst from the CRM must not take the account's concurrency from the sender and everything
  // else; the events wait in the queue instead (each instance takes batches of 10).
  ingestMaxConcurrency: { fallback: 10, min: 2, max: 1000, integer: true },
  // The sweeper reads a minute of the fan-out log once, a grace period after it ended: an ingest
  // invocation writes its log item first and its events up to its timeout later, so the grace
  // must outlast that timeout (with a margin) or an event could be read before it is stored.
  sweepGraceMs: { variable: 'SWEEP_GRACE_MS', min: 2 * functionSpecs.ingest.timeout.toMilliseconds(), integer: true },
  retryJitter: { variable: 'RETRY_JITTER' },
  signingSecretGraceMs: { variable: 'SIGNING_SECRET_GRACE_MS' },
  failingDisableAfterMs: { variable: 'FAILING_DISABLE_AFTER_MS' },
  // At least 2: its trigger asks for as much, and Lambda's least maximum concurrency on an SQS source
  // is 2, so a reservation of 1 would throttle the slow sender by design (and fire its alarm).
  slowSenderConcurrency: { fallback: SLOW_SENDER_CONCURRENCY, min: 2, max: 1000, integer: true },
  circuitFailureThreshold: { variable: 'CIRCUIT_FAILURE_THRESHOLD' },
  circuitMinRunMs: { variable: 'CIRCUIT_MIN_RUN_MS' },
  circuitFirstProbeMs: { variable: 'CIRCUIT_FIRST_PROBE_MS' },
  circuitMaxProbeMs: { variable: 'CIRCUIT_MAX_PROBE_MS' },
  slowAttemptMs: { variable: 'SLOW_ATTEMPT_MS' },
  slowLaneMs: { variable: 'SLOW_LANE_MS' },
  // Alarm thresholds. Ages are capped at a day: an alarm later than that is no alarm.
  alarmEventsQueueAgeSeconds: { fallback: 600, min: 300, max: 86_400, integer: true },
  alarmDeliveriesQueueAgeSeconds: {
    fallback: 1800,
    min: SQS_MAX_DELAY.toSeconds() + functionSpecs.sender.timeout.toSeconds(),
    max: 86_400,
    integer: true,
  },
  alarmSlowDeliveriesQueueAgeSeconds: {
    fallback: 3600,
    min: SQS_MAX_DELAY.toSeconds() + functionSpecs.slowSender.timeout.toSeconds(),
    max: 86_400,
    integer: true,
  },
  alarmDeliveriesFailed: { fallback: 1, min: 1, integer: true },
  alarmFunctionErrors: { fallback: 1, min: 1, integer: true },
  alarmFunctionThrottles: { fallback: 1, min: 1, integer: true },
};

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
  const { variable } = setting;
  if (raw === undefined) return variable ? (configSchema[variable].parse(undefined) as number) : (setting.fallback as number);
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  if (variable) {
    const parsed = configSchema[variable].safeParse(value);
    if (!parsed.success)
      return {
        problem: `expected a value ${variable} accepts (${parsed.error.issues[0]?.message ?? 'invalid'}), got ${JSON.stringify(raw)}`,
      };
  }
  return withinBounds(raw, value, setting);
}

/** The bounds the stack itself sets, if any. */
function withinBounds(raw: unknown, value: number, setting: Setting): number | { problem: string } {
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = setting;
  const range =
    setting.max === undefined ? `of at least ${min}` : setting.min === undefined ? `of at most ${max}` : `from ${min} to ${max}`;
  const expected = `expected ${setting.integer ? 'an integer' : 'a number'} ${range}`;
  const valid = Number.isFinite(value) && (!setting.integer || Number.isInteger(value)) && value >= min && value <= max;
  return valid ? value : { problem: `${expected}, got ${JSON.stringify(raw)}` };
}
