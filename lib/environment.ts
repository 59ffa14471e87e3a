// The functions' environment, made by the service's one builder (lambdas/function-environment.ts)
// from the stack's resources and configuration; every setting is typed by its variable's key.
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { defaults } from '../lambdas/config';
import { functionEnvironment as serviceEnvironment, type SettingKey } from '../lambdas/function-environment';
import type { StackConfig } from './stack-config';
import type { TableId } from './tables';

export const SERVICE_NAME = 'crm-webhooks';

export interface EnvironmentSources {
  config: StackConfig;
  tables: Record<TableId, dynamodb.ITable>;
  queues: { events: sqs.IQueue; deliveries: sqs.IQueue; slowDeliveries: sqs.IQueue; eventsDlq: sqs.IQueue; deliveriesDlq: sqs.IQueue };
  scheduler: { group: scheduler.IScheduleGroup; role: iam.IRole };
  notifications: sns.ITopic;
  secretsKey: kms.IKey;
}

/**
 * ALLOW_HTTP stays unset in AWS: webhook targets there must be https. SENDER_LANE is the slow
 * sender's own (functions.ts). Every other setting is set.
 */
type StackSettings = Record<Exclude<SettingKey, 'ALLOW_HTTP' | 'SENDER_LANE'>, string>;

export function functionEnvironment({
  config,
  tables,
  queues,
  scheduler,
  notifications,
  secretsKey,
}: EnvironmentSources): Record<string, string> {
  const settings: StackSettings = {
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
    CIRCUIT_FAILURE_THRESHOLD: String(config.circuitFailureThreshold),
    CIRCUIT_MIN_RUN_MS: String(config.circuitMinRunMs),
    CIRCUIT_FIRST_PROBE_MS: String(config.circuitFirstProbeMs),
    CIRCUIT_MAX_PROBE_MS: String(config.circuitMaxProbeMs),
    SLOW_ATTEMPT_MS: String(config.slowAttemptMs),
    SLOW_LANE_MS: String(config.slowLaneMs),
  };
  const resources = {
    tables: {
      subscriptions: tables.subscriptions.tableName,
      events: tables.events.tableName,
      deliveries: tables.deliveries.tableName,
      attempts: tables.attempts.tableName,
      fanouts: tables.fanouts.tableName,
      limits: tables.limits.tableName,
    },
    deliveriesQueue: { url: queues.deliveries.queueUrl, arn: queues.deliveries.queueArn },
    eventsDlqUrl: queues.eventsDlq.queueUrl,
    eventsQueueUrl: queues.events.queueUrl,
    deliveriesDlqUrl: queues.deliveriesDlq.queueUrl,
    slowDeliveriesQueueUrl: queues.slowDeliveries.queueUrl,
    scheduleGroup: scheduler.group.scheduleGroupName,
    schedulerRoleArn: scheduler.role.roleArn,
    notifyTopicArn: notifications.topicArn,
    // Names the key; using it takes the kms: grants only the subscriptions and sender functions have.
    secretsKeyArn: secretsKey.keyArn,
  };
  return {
    ...serviceEnvironment(resources, settings),
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    // The bundles are minified; source maps make stack traces in the logs readable.
    NODE_OPTIONS: '--enable-source-maps',
  };
}
