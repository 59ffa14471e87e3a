// Lambda entry of the subscriptions function: configuration and clients once per cold start, then the
// handler wrapped by middy (wiring/lambda-handler.ts).
// Only the clients this function uses are created (and bundled).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDocumentClient } from '../adapters/dynamo/document-client';
import { subscriptionsFunction } from '../wiring/functions/support';
import { createLogger, logOf } from '../wiring/log';
import { kmsSecretBox } from '../wiring/secret-box';
import { PowertoolsMetrics } from '../wiring/metrics';

const logger = createLogger();
const metrics = new PowertoolsMetrics();
// SQS: `test` wakes the sender for its test event's delivery.
const clients = { doc: createDocumentClient(new DynamoDBClient({})), sqs: new SQSClient({}) };
const secretBox = kmsSecretBox(process.env, new KMSClient({}));
export const handler = subscriptionsFunction(process.env, { clients, log: logOf(logger), logger, metrics, secretBox });
