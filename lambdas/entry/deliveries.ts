// Lambda entry of the deliveries function: configuration and clients once per cold start, then the
// handler wrapped by middy (wiring/lambda-handler.ts).
// Only the clients this function uses are created (and bundled).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../adapters/dynamo/document-client';
import { deliveriesFunction } from '../wiring/functions/support';
import { createLogger, logOf } from '../wiring/log';
import { PowertoolsMetrics } from '../wiring/metrics';

const logger = createLogger();
const metrics = new PowertoolsMetrics();
const clients = { doc: createDocumentClient(new DynamoDBClient({})) };
export const handler = deliveriesFunction(process.env, { clients, log: logOf(logger), logger, metrics });
