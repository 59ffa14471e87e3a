// Lambda entry of the sweeper function: configuration and clients once per cold start, then the
// handler wrapped by middy (wiring/lambda-handler.ts).
// Only the clients this function uses are created (and bundled).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDocumentClient } from '../adapters/dynamo/document-client';
import { sweeperFunction } from '../wiring/functions/support';
import { createLogger, logOf } from '../wiring/log';
import { PowertoolsMetrics } from '../wiring/metrics';

const logger = createLogger();
const metrics = new PowertoolsMetrics();
const clients = { doc: createDocumentClient(new DynamoDBClient({})), sqs: new SQSClient({}) };
export const handler = sweeperFunction(process.env, { clients, log: logOf(logger), logger, metrics });
