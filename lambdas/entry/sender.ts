// Lambda entry of the sender function: configuration and clients once per cold start, then the
// handler wrapped by middy (wiring/lambda-handler.ts).
// Only the clients this function uses are created (and bundled).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDocumentClient } from '../adapters/dynamo/document-client';
import { senderFunction } from '../wiring/functions/sender';
import { createLogger, logOf } from '../wiring/log';
import { kmsSecretBox } from '../wiring/secret-box';
import { PowertoolsMetrics } from '../wiring/metrics';

const logger = createLogger();
const metrics = new PowertoolsMetrics();
const clients = {
  doc: createDocumentClient(new DynamoDBClient({})),
  sqs: new SQSClient({}),
  scheduler: new SchedulerClient({}),
  sns: new SNSClient({}),
};
const secretBox = kmsSecretBox(process.env, new KMSClient({}));
export const handler = senderFunction(process.env, { clients, log: logOf(logger), logger, metrics, secretBox });
