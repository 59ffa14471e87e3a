// Lambda entry of the ingest function: configuration and clients once per cold start, then the handler.
import { createIngestHandler } from '../handlers/ingest';
import { createAwsClients } from '../wiring/aws-clients';
import { buildIngestDeps } from '../wiring/deps';
import { createLogger, logOf } from '../wiring/log';
import { flushingMetrics, PowertoolsMetrics } from '../wiring/metrics';

const log = logOf(createLogger());
const metrics = new PowertoolsMetrics();
export const handler = flushingMetrics(createIngestHandler(buildIngestDeps(process.env, { clients: createAwsClients(), log, metrics })), metrics);
