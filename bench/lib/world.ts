// One "AWS account" in memory for the handler benchmarks: the fake DynamoDB, SQS, Scheduler and SNS
// with shared counters, the function environment the stack would set, and the Infrastructure the
// real build*Deps (lambdas/wiring/deps.ts) take. Nothing of the product is replaced but the clients.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { TableNames } from '../../lambdas/adapters/dynamo/table-names';
import { functionEnvironment } from '../../lambdas/function-environment';
import type { Log } from '../../lambdas/domain/log';
import type { Metrics } from '../../lambdas/domain/metrics';
import type { Clock, WebhookClient } from '../../lambdas/domain/ports';
import { createSubscriptionsHandler } from '../../lambdas/handlers/subscriptions';
import { randomBytes } from 'node:crypto';
import { EnvelopeSecretBox } from '../../lambdas/adapters/crypto/envelope-secret-box';
import { LocalDataKeys } from '../../lambdas/adapters/crypto/local-data-keys';
import { createAwsClients, type AwsClients } from '../../lambdas/wiring/aws-clients';
import { buildSubscriptionDeps, type Env, type Infrastructure } from '../../lambdas/wiring/deps';
import { AwsCounts, FakeScheduler, FakeSns, FakeSqs } from './fake-aws';
import { FakeDynamo } from './fake-dynamo';

export const TABLES: TableNames = {
  subscriptions: 'bench-subscriptions',
  events: 'bench-events',
  deliveries: 'bench-deliveries',
  attempts: 'bench-attempts',
  fanouts: 'bench-fanouts',
  limits: 'bench-limits',
};
export const DELIVERIES_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/bench-deliveries';
export const EVENTS_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/bench-events';
const DELIVERIES_QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:bench-deliveries';
const EVENTS_DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/bench-events-dlq';

/** The environment the stack gives every function, with the benchmarks' table and queue names. */
export function benchEnv(overrides: Env = {}): Env {
  const resources = {
    tables: TABLES,
    deliveriesQueue: { url: DELIVERIES_QUEUE_URL, arn: DELIVERIES_QUEUE_ARN },
    eventsDlqUrl: EVENTS_DLQ_URL,
    eventsQueueUrl: 'https://sqs.eu-central-1.amazonaws.com/123456789012/events',
    deliveriesDlqUrl: 'https://sqs.eu-central-1.amazonaws.com/123456789012/deliveries-dlq',
    scheduleGroup: 'crm-webhooks',
    schedulerRoleArn: 'arn:aws:iam::123456789012:role/scheduler',
    notifyTopicArn: 'arn:aws:sns:us-east-1:123456789012:notifications',
  };
  // The sink and receivers are plain http on loopback, which the stack would refuse.
  return { ...functionEnvironment(resources, { ALLOW_HTTP: 'true', TARGET_ALLOWLIST: '127.0.0.0/8' }), ...overrides };
}

export interface WorldOptions {
  env?: Env;
  /** The clock of the fakes (message delays) and, through `infra`, of the handlers. Default: real time. */
  clock?: Clock;
  /**
   * A real DynamoDB endpoint (dynalite, bench/lib/dynalite-process.ts): the handlers then talk to it
   * through the real AWS SDK over HTTP, so marshalling, signing and HTTP are counted; the counting
   * fake (`dynamo`) then sees nothing. SQS, Scheduler and SNS stay the counting fakes.
   */
  dynamoEndpoint?: string;
}

export class World {
  readonly counts = new AwsCounts();
  readonly dynamo = new FakeDynamo(TABLES);
  readonly sqs: FakeSqs;
  readonly scheduler = new FakeScheduler(this.counts);
  readonly sns = new FakeSns(this.counts);
  readonly env: Env;
  readonly clock: Clock | undefined;
  /** The real SDK clients when the world has a real DynamoDB endpoint. */
  readonly real: AwsClients | undefined;

  constructor(options: WorldOptions = {}) {
    this.env = benchEnv(options.env);
    this.clock = options.clock;
    if (options.dynamoEndpoint) {
      this.real = createAwsClients({
        region: 'us-east-1',
        endpoints: { dynamodb: options.dynamoEndpoint },
        credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
      });
    }
    const clock = options.clock;
    this.sqs = new FakeSqs(this.counts, clock ? () => clock.now().getTime() : Date.now);
  }

  /** Seals the subscriptions' secrets as the local runtime does, with a key of this run (no KMS to fake). */
  readonly secretBox = new EnvelopeSecretBox(new LocalDataKeys(randomBytes(32)));

  infra(log: Log, extras: { metrics?: Metrics; random?: () => number; webhook?: WebhookClient } = {}): Infrastructure {
    return {
      clients: {
        doc: this.real?.doc ?? this.dynamo.documentClient(),
        sqs: this.sqs.client(),
        scheduler: this.scheduler.client(),
        sns: this.sns.client(),
      },
      log,
      clock: this.clock,
      secretBox: this.secretBox,
      ...extras,
    };
  }

  /** Closes the real SDK clients, if any. */
  close(): void {
    this.real?.dynamodb.destroy();
  }

  /** Every counter back to zero (after a setup that should not be counted). */
  resetCounts(): void {
    this.counts.reset();
    this.dynamo.counts.reset();
  }

  /** Active subscriptions created through the real subscriptions function, as support would. */
  /** `limits`: the subscriptions' maxConcurrency and rateLimit, when not the defaults, and their event types. */
  async createSubscriptions(
    count: number,
    url: string,
    log: Log,
    limits: { maxConcurrency?: number; rateLimit?: number; eventTypes?: string[] } = {},
  ): Promise<string[]> {
    const handler = createSubscriptionsHandler(buildSubscriptionDeps(this.env, this.infra(log)));
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const out = (await handler({ action: 'create', url, ...limits })) as { subscription: { id: string } };
      ids.push(out.subscription.id);
    }
    return ids;
  }
}

/** The CRM's sample events (../shared/events), bytes as published. */
export const sampleEventsDir = resolve(__dirname, '../../../shared/events');

export function sampleBody(type = 'donation'): string {
  return readFileSync(resolve(sampleEventsDir, `${type}.json`), 'utf8');
}

/** The sample with its top-level `id` replaced, so each benchmark event is a distinct event. */
export function eventBody(sample: string, id: string | number): string {
  const replaced = sample.replace(/"id":\s*[^,}\s]+/, `"id": ${JSON.stringify(id)}`);
  if (replaced === sample) throw new Error('sample event has no top-level id to replace');
  return replaced;
}

let messageCounter = 0;

/** An SQS event as Lambda's event source mapping hands it over. */
export function sqsEvent(bodies: readonly string[], queueArn = 'arn:aws:sqs:us-east-1:123456789012:bench', receiveCount = 1): SQSEvent {
  const now = String(Date.now());
  return {
    Records: bodies.map((body): SQSRecord => ({
      messageId: `00000000-0000-4000-8000-${String((messageCounter += 1)).padStart(12, '0')}`,
      receiptHandle: 'rh',
      body,
      attributes: {
        ApproximateReceiveCount: String(receiveCount),
        SentTimestamp: now,
        SenderId: 'bench',
        ApproximateFirstReceiveTimestamp: now,
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: 'us-east-1',
    })),
  };
}

/** Every request counted so far in the world, as `Service.Operation` -> count. */
export function requestCounts(world: World): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [op, n] of world.dynamo.counts.requests) out[`DynamoDB.${op}`] = n;
  for (const [op, n] of world.counts.requests) out[op] = n;
  return out;
}

/** Request units so far: DynamoDB write units (table and each index) and read units. */
export function unitCounts(world: World): { wru: number; indexWru: number; rru: number } {
  const c = world.dynamo.counts;
  let tableWru = 0;
  for (const v of c.tableWru.values()) tableWru += v;
  let indexWru = 0;
  for (const v of c.indexWru.values()) indexWru += v;
  return { wru: tableWru, indexWru, rru: c.totalRru() };
}
