// Lambda entry of the subscriptions function: configuration and clients once per cold start, then the handler.
// Only the clients this function uses are created (and bundled).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDocumentClient } from '../adapters/dynamo/document-client';
import { createSubscriptionsHandler } from '../handlers/subscriptions';
import { buildSubscriptionDeps } from '../wiring/functions/support';
import { createLogger, logOf } from '../wiring/log';
import { flushingMetrics, PowertoolsMetrics } from '../wiring/metrics';

const log = logOf(createLogger());
const metrics = new PowertoolsMetrics();
// SQS: `test` wakes the sender for its test event's delivery.
const clients = { doc: createDocumentClient(new DynamoDBClient({})), sqs: new SQSClient({}) };
export const handler = flushingMetrics(createSubscriptionsHandler(buildSubscriptionDeps(process.env, { clients, log, metrics })), metrics);
