// Lambda entry of the subscriptions function: configuration and clients once per cold start, then the handler.
import { createSubscriptionsHandler } from '../handlers/subscriptions';
import { createAwsClients } from '../wiring/aws-clients';
import { buildSubscriptionDeps } from '../wiring/deps';
import { createLogger, logOf } from '../wiring/log';

const log = logOf(createLogger());
export const handler = createSubscriptionsHandler(buildSubscriptionDeps(process.env, { clients: createAwsClients(), log }));
