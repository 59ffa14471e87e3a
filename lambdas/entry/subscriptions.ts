// Lambda entry of the subscriptions function: configuration and clients once per cold start, then the handler.
import { createSubscriptionsHandler } from '../handlers/subscriptions';
import { createAwsClients } from '../wiring/aws-clients';
import { buildSubscriptionDeps } from '../wiring/deps';
import { createLogger, logOf } from '../wiring/log';
import { flushingMetrics, PowertoolsMetrics } from '../wiring/metrics';

const log = logOf(createLogger());
const metrics = new PowertoolsMetrics();
export const handler = flushingMetrics(createSubscriptionsHandler(buildSubscriptionDeps(process.env, { clients: createAwsClients(), log, metrics })), metrics);
