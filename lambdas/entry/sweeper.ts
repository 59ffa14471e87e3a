// Lambda entry of the sweeper function: configuration and clients once per cold start, then the handler.
import { createSweeperHandler } from '../handlers/sweeper';
import { createAwsClients } from '../wiring/aws-clients';
import { buildSweepDeps } from '../wiring/deps';
import { createLogger, logOf } from '../wiring/log';
import { flushingMetrics, PowertoolsMetrics } from '../wiring/metrics';

const log = logOf(createLogger());
const metrics = new PowertoolsMetrics();
export const handler = flushingMetrics(createSweeperHandler(buildSweepDeps(process.env, { clients: createAwsClients(), log, metrics })), metrics);
