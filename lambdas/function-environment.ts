// The one builder of a function's environment: the stack (lib/environment.ts), the local runtime
// (local/config.ts), the test harness and the benchmarks all make theirs here. Typed by the keys
// lambdas/config.ts validates, so a variable cannot be forgotten in one of them.
import type { TableNames } from './adapters/dynamo/table-names';
import type { ConfigKey } from './config';

/** Where the function's resources are: names, URLs and ARNs (CDK tokens in the stack). */
export interface FunctionResources {
  tables: TableNames;
  deliveriesQueue: { url: string; arn: string };
  eventsDlqUrl: string;
  /** Where the dead-letters function redrives events, and the deliveries DLQ it reads. */
  eventsQueueUrl: string;
  deliveriesDlqUrl: string;
  scheduleGroup: string;
  schedulerRoleArn: string;
  notifyTopicArn: string;
  /** The slow lane's queue (lanes.ts); absent: one lane. */
  slowDeliveriesQueueUrl?: string;
  /** The KMS key of the subscriptions' secrets; absent locally, where a key file under DATA_DIR seals them. */
  secretsKeyArn?: string;
}

type ResourceKey =
  | 'SUBSCRIPTIONS_TABLE'
  | 'EVENTS_TABLE'
  | 'DELIVERIES_TABLE'
  | 'ATTEMPTS_TABLE'
  | 'FANOUTS_TABLE'
  | 'LIMITS_TABLE'
  | 'DELIVERIES_QUEUE_URL'
  | 'DELIVERIES_QUEUE_ARN'
  | 'EVENTS_DLQ_URL'
  | 'EVENTS_QUEUE_URL'
  | 'DELIVERIES_DLQ_URL'
  | 'SCHEDULE_GROUP'
  | 'SCHEDULER_ROLE_ARN'
  | 'NOTIFY_TOPIC_ARN'
  | 'SECRETS_KEY_ARN'
  | 'SLOW_DELIVERIES_QUEUE_URL';

/** The tunable variables; one left out takes the service's default at cold start. */
export type SettingKey = Exclude<ConfigKey, ResourceKey>;
export type FunctionSettings = Partial<Record<SettingKey, string>>;

export function functionEnvironment(resources: FunctionResources, settings: FunctionSettings = {}): Record<ConfigKey, string> {
  const located: Partial<Record<ResourceKey, string>> = {
    SUBSCRIPTIONS_TABLE: resources.tables.subscriptions,
    EVENTS_TABLE: resources.tables.events,
    DELIVERIES_TABLE: resources.tables.deliveries,
    ATTEMPTS_TABLE: resources.tables.attempts,
    FANOUTS_TABLE: resources.tables.fanouts,
    LIMITS_TABLE: resources.tables.limits,
    DELIVERIES_QUEUE_URL: resources.deliveriesQueue.url,
    DELIVERIES_QUEUE_ARN: resources.deliveriesQueue.arn,
    EVENTS_DLQ_URL: resources.eventsDlqUrl,
    EVENTS_QUEUE_URL: resources.eventsQueueUrl,
    DELIVERIES_DLQ_URL: resources.deliveriesDlqUrl,
    SCHEDULE_GROUP: resources.scheduleGroup,
    SCHEDULER_ROLE_ARN: resources.schedulerRoleArn,
    NOTIFY_TOPIC_ARN: resources.notifyTopicArn,
    ...(resources.secretsKeyArn === undefined ? {} : { SECRETS_KEY_ARN: resources.secretsKeyArn }),
    ...(resources.slowDeliveriesQueueUrl === undefined ? {} : { SLOW_DELIVERIES_QUEUE_URL: resources.slowDeliveriesQueueUrl }),
  };
  const given = Object.entries(settings).filter(([, value]) => value !== undefined);
  return { ...located, ...Object.fromEntries(given) } as Record<ConfigKey, string>;
}
