// Lambda entry of the subscriptions function: configuration and clients once per cold start, then the handler.
// Only the clients this function uses are created (and bundled).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { createDocumentClient } from '../adapters/dynamo/document-client';
import { createSubscriptionsHandler } from '../handlers/subscriptions';
import { buildSubscriptionDeps } from '../wiring/functions/support';
import { createLogger, logOf } from '../wiring/log';
import { kmsSecretBox } from '../wiring/secret-box';
import { flushingMetrics, PowertoolsMetrics } from '../wiring/metrics';

const log = logOf(createLogger());
const metrics = new PowertoolsMetrics();
const clients = { doc: createDocumentClient(new DynamoDBClient({})) };
const secretBox = kmsSecretBox(process.env, new KMSClient({}));
export const handler = flushingMetrics(createSubscriptionsHandler(buildSubscriptionDeps(process.env, { clients, log, metrics, secretBox })), metrics);
