// The functions' environment. Variable names are the ones lambdas/config.ts validates at cold start;
// the map is typed by those keys, so a misspelt, removed or newly added variable is a compile error here.
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { defaults, type ConfigKey } from '../lambdas/config';
import type { StackConfig } from './stack-config';
import type { TableId } from './tables';

export const SERVICE_NAME = 'crm-webhooks';

export interface EnvironmentSources {
  config: StackConfig;
  tables: Record<TableId, dynamodb.ITable>;
  queues: { deliveries: sqs.IQueue; slowDeliveries: sqs.IQueue; eventsDlq: sqs.IQueue };
  scheduler: { group: scheduler.IScheduleGroup; role: iam.IRole };
  notifications: sns.ITopic;
}

/** ALLOW_HTTP stays unset in AWS: webhook targets there must be https. SENDER_LANE is the slow sender's own (functions.ts). */
type StackProvidedKey = Exclude<ConfigKey, 'ALLOW_HTTP' | 'SENDER_LANE'>;

export function functionEnvironment({ config, tables, queues, scheduler, notifications }: EnvironmentSources): Record<string, string> {
  const service: Record<StackProvidedKey, string> = {
    SUBSCRIPTIONS_TABLE: tables.subscriptions.tableName,
    EVENTS_TABLE: tables.events.tableName,
    DELIVERIES_TABLE: tables.deliveries.tableName,
    ATTEMPTS_TABLE: tables.attempts.tableName,
    FANOUTS_TABLE: tables.fanouts.tableName,
    DELIVERIES_QUEUE_URL: queues.deliveries.queueUrl,
    DELIVERIES_QUEUE_ARN: queues.deliveries.queueArn,
    EVENTS_DLQ_URL: queues.eventsDlq.queueUrl,
    SCHEDULE_GROUP: scheduler.group.scheduleGroupName,
    SCHEDULER_ROLE_ARN: scheduler.role.roleArn,
    ATTEMPT_TIMEOUT_MS: String(config.attemptTimeoutMs),
    RETRY_BASE_DELAY_MS: String(config.retryBaseDelayMs),
    RETRY_MULTIPLIER: String(config.retryMultiplier),
    MAX_ATTEMPTS: String(config.maxAttempts),
    RETENTION_DAYS: String(config.retentionDays),
    SWEEP_GRACE_MS: String(config.sweepGraceMs),
    SUBSCRIPTION_CACHE_MS: String(defaults.subscriptionCacheMs),
    MAX_EVENT_BYTES: String(defaults.maxEventBytes),
    RETRY_JITTER: String(config.retryJitter),
    SIGNING_SECRET_GRACE_MS: String(config.signingSecretGraceMs),
    FAILING_DISABLE_AFTER_MS: String(config.failingDisableAfterMs),
    // No private or loopback targets in AWS unless an allowlist is configured.
    TARGET_ALLOWLIST: config.targetAllowlist,
    NOTIFY_TOPIC_ARN: notifications.topicArn,
    CIRCUIT_FAILURE_THRESHOLD: String(config.circuitFailureThreshold),
    CIRCUIT_FIRST_PROBE_MS: String(config.circuitFirstProbeMs),
    CIRCUIT_MAX_PROBE_MS: String(config.circuitMaxProbeMs),
    SLOW_ATTEMPT_MS: String(config.slowAttemptMs),
    SLOW_LANE_MS: String(config.slowLaneMs),
    SLOW_DELIVERIES_QUEUE_URL: queues.slowDeliveries.queueUrl,
  };
  return {
    ...service,
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    // The bundles are minified; source maps make stack traces in the logs readable.
    NODE_OPTIONS: '--enable-source-maps',
  };
}
