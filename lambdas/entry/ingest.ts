// Lambda entry of the ingest function: configuration and clients once per cold start, then the handler.
import { createIngestHandler } from '../handlers/ingest';
import { createAwsClients } from '../wiring/aws-clients';
import { buildIngestDeps } from '../wiring/deps';
import { createLogger, logOf } from '../wiring/log';

const log = logOf(createLogger());
export const handler = createIngestHandler(buildIngestDeps(process.env, { clients: createAwsClients(), log }));
