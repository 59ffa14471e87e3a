// Lambda entry of the sender function: configuration and clients once per cold start, then the handler.
import { createSenderHandler } from '../handlers/sender';
import { createAwsClients } from '../wiring/aws-clients';
import { buildSendDeps } from '../wiring/deps';
import { createLogger, logOf } from '../wiring/log';
import { flushingMetrics, PowertoolsMetrics } from '../wiring/metrics';

const log = logOf(createLogger());
const metrics = new PowertoolsMetrics();
export const handler = flushingMetrics(createSenderHandler(buildSendDeps(process.env, { clients: createAwsClients(), log, metrics })), metrics);
