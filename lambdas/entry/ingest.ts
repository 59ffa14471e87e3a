// Lambda entry of the ingest function: configuration and clients once per cold start, then the handler.
// Only the clients this function uses are created (and bundled).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDocumentClient } from '../adapters/dynamo/document-client';
import { createIngestHandler } from '../handlers/ingest';
import { buildIngestDeps } from '../wiring/functions/ingest';
import { createLogger, logOf } from '../wiring/log';
import { flushingMetrics, PowertoolsMetrics } from '../wiring/metrics';

const log = logOf(createLogger());
const metrics = new PowertoolsMetrics();
const clients = { doc: createDocumentClient(new DynamoDBClient({})), sqs: new SQSClient({}) };
export const handler = flushingMetrics(createIngestHandler(buildIngestDeps(process.env, { clients, log, metrics })), metrics);
