// Lambda entry of the resend function: configuration and clients once per cold start, then the handler.
// Only the clients this function uses are created (and bundled).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDocumentClient } from '../adapters/dynamo/document-client';
import { createResendHandler } from '../handlers/resend';
import { buildResendDeps } from '../wiring/functions/support';
import { createLogger, logOf } from '../wiring/log';
import { flushingMetrics, PowertoolsMetrics } from '../wiring/metrics';

const log = logOf(createLogger());
const metrics = new PowertoolsMetrics();
const clients = { doc: createDocumentClient(new DynamoDBClient({})), sqs: new SQSClient({}) };
export const handler = flushingMetrics(createResendHandler(buildResendDeps(process.env, { clients, log, metrics })), metrics);
