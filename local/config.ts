// Configuration of the local runtime, read once at start from the environment. The service's own
// variables are validated by lambdas/config.ts (same rules and defaults as the stack); the few that
// only exist locally are validated here. A bad value stops the start with a message naming it.
import { resolve } from 'node:path';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import * as z from 'zod';
import { ConfigError, loadConfig, type ConfigKey } from '../lambdas/config';
import type { TableNames } from '../lambdas/adapters/dynamo/table-names';
import { functionEnvironment } from '../lambdas/function-environment';
import type { Env } from '../lambdas/wiring/deps';
import { LOCAL_ACCOUNT, localCredentials, LOCAL_REGION } from './local-aws';

/** Service variables a user may set locally; everything else of the function environment is fixed here. */
export const serviceKeys = [
  'RETRY_BASE_DELAY_MS',
  'RETRY_MULTIPLIER',
  'MAX_ATTEMPTS',
  'ATTEMPT_TIMEOUT_MS',
  'RETENTION_DAYS',
  'SWEEP_GRACE_MS',
  'SUBSCRIPTION_CACHE_MS',
  'MAX_EVENT_BYTES',
  'RETRY_JITTER',
  'SIGNING_SECRET_GRACE_MS',
  'FAILING_DISABLE_AFTER_MS',
  'CIRCUIT_FAILURE_THRESHOLD',
  'CIRCUIT_MIN_RUN_MS',
  'CIRCUIT_FIRST_PROBE_MS',
  'CIRCUIT_MAX_PROBE_MS',
  'SLOW_ATTEMPT_MS',
  'SLOW_LANE_MS',
  'ALLOW_HTTP',
] as const satisfies readonly ConfigKey[];

type ServiceKey = (typeof serviceKeys)[number];

/** Where the local defaults differ from the stack's, and why. */
const localServiceDefaults: Partial<Record<ServiceKey, string>> = {
  // Receivers on a developer machine are plain http on loopback.
  ALLOW_HTTP: 'true',
  // A restart should resume deliveries whose wake-up was lost within seconds, not ten minutes.
  SWEEP_GRACE_MS: '30000',
};

const localSchema = {
  PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
  DATA_DIR: z.string().min(1).default('.data'),
  SWEEP_INTERVAL_MS: z.coerce.number().int().positive().default(30_000),
  QUEUE_VISIBILITY_TIMEOUT_MS: z.coerce.number().int().positive().default(2_000),
  /**
   * The most ingest batches handled at once, as the stack's ingestMaxConcurrency; more than one only
   * while full batches wait (local/poller.ts), so that a burst leaves the events queue sooner.
   */
  INGEST_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(3),
  SENDER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** The slow lane's sender (degraded subscriptions), as the stack's slowSenderConcurrency. */
  SLOW_SENDER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
} as const;

type LocalKey = keyof typeof localSchema;
export const localKeys = Object.keys(localSchema) as LocalKey[];

export interface LocalSettings {
  port: number;
  /** Absolute path. */
  dataDir: string;
  sweepIntervalMs: number;
  /** How long a message whose processing failed stays invisible before it is handed out again. */
  visibilityTimeoutMs: number;
  ingestConcurrency: number;
  senderConcurrency: number;
  slowSenderConcurrency: number;
  /** Validated service variables as strings, ready for the function environment. */
  service: Record<ServiceKey, string>;
  /**
   * The environment read, passed on to the handlers' configuration, so that any further service
   * variable (one added after this list was written) still reaches them and is validated by them.
   */
  environment: Env;
}

/** Reads and validates every variable; throws one ConfigError naming each bad one. */
export function readLocalSettings(source: Env): LocalSettings {
  const problems: string[] = [];
  const local: Partial<Record<LocalKey, unknown>> = {};
  for (const key of localKeys) {
    const raw = source[key] === '' ? undefined : source[key];
    const parsed = localSchema[key].safeParse(raw);
    if (parsed.success) local[key] = parsed.data;
    else problems.push(`${key}=${JSON.stringify(raw)}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  }

  const withDefaults: Env = {};
  for (const key of serviceKeys) withDefaults[key] = source[key] || localServiceDefaults[key];
  let service: Record<ServiceKey, string> | undefined;
  try {
    const parsed = loadConfig(withDefaults, serviceKeys);
    service = Object.fromEntries(serviceKeys.map((key) => [key, String(parsed[key])])) as Record<ServiceKey, string>;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(error.message.replace(/^invalid configuration: /, ''));
  }

  if (problems.length > 0 || !service) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);

  return {
    port: local.PORT as number,
    dataDir: resolve(local.DATA_DIR as string),
    sweepIntervalMs: local.SWEEP_INTERVAL_MS as number,
    visibilityTimeoutMs: local.QUEUE_VISIBILITY_TIMEOUT_MS as number,
    ingestConcurrency: local.INGEST_CONCURRENCY as number,
    senderConcurrency: local.SENDER_CONCURRENCY as number,
    slowSenderConcurrency: local.SLOW_SENDER_CONCURRENCY as number,
    service,
    environment: { ...source },
  };
}

/**
 * The local runtime's log level: Powertools' own variables when set, else DEBUG, so that a local run
 * shows every delivery (a Lambda function logs at INFO and leaves successful deliveries out).
 */
export function localLogLevel(source: Env): LogLevel {
  return (source.POWERTOOLS_LOG_LEVEL || source.LOG_LEVEL || 'DEBUG') as LogLevel;
}

/**
 * Webhook targets on this machine are what a local run is for; the SSRF guard refuses them in AWS.
 * Only the loopback ranges are let through, and only when TARGET_ALLOWLIST is not set explicitly.
 */
export const LOCAL_TARGET_ALLOWLIST = '127.0.0.0/8,::1/128';

export { LOCAL_ACCOUNT, localCredentials, LOCAL_REGION };

/** Table names are fixed locally: one data folder holds one service. */
export const localTableNames: TableNames = {
  subscriptions: 'subscriptions',
  events: 'events',
  deliveries: 'deliveries',
  attempts: 'attempts',
  fanouts: 'fanouts',
  limits: 'limits',
};

export function queueUrlOf(baseUrl: string, queueName: string): string {
  return `${baseUrl}/${LOCAL_ACCOUNT}/${queueName}`;
}

export function queueArnOf(queueName: string): string {
  return `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${queueName}`;
}

/**
 * The environment the handlers are built from (lambdas/wiring/deps.ts), as the stack would set it.
 * The queue URLs point at this runtime's own SQS endpoint.
 */
export function functionEnv(settings: LocalSettings, baseUrl: string): Env {
  const resources = {
    tables: localTableNames,
    deliveriesQueue: { url: queueUrlOf(baseUrl, 'deliveries'), arn: queueArnOf('deliveries') },
    eventsDlqUrl: queueUrlOf(baseUrl, 'events-dlq'),
    eventsQueueUrl: queueUrlOf(baseUrl, 'events'),
    deliveriesDlqUrl: queueUrlOf(baseUrl, 'deliveries-dlq'),
    slowDeliveriesQueueUrl: queueUrlOf(baseUrl, 'deliveries-slow'),
    scheduleGroup: 'local',
    schedulerRoleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/local-scheduler`,
    // Support notices are logged locally; every function still gets every variable, as in AWS.
    notifyTopicArn: `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:notifications`,
  };
  const targets = { TARGET_ALLOWLIST: settings.environment.TARGET_ALLOWLIST || LOCAL_TARGET_ALLOWLIST };
  return { ...settings.environment, ...functionEnvironment(resources, { ...targets, ...settings.service }) };
}
