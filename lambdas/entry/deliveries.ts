// Lambda entry of the deliveries function: configuration and clients once per cold start, then the handler.
import { createDeliveriesHandler } from '../handlers/deliveries';
import { createAwsClients } from '../wiring/aws-clients';
import { buildDeliveryQueryDeps } from '../wiring/deps';
import { createLogger, logOf } from '../wiring/log';
import { flushingMetrics, PowertoolsMetrics } from '../wiring/metrics';

const log = logOf(createLogger());
const metrics = new PowertoolsMetrics();
export const handler = flushingMetrics(createDeliveriesHandler(buildDeliveryQueryDeps(process.env, { clients: createAwsClients(), log, metrics })), metrics);
