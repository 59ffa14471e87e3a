// Lambda entry of the resend function: configuration and clients once per cold start, then the handler.
import { createResendHandler } from '../handlers/resend';
import { createAwsClients } from '../wiring/aws-clients';
import { buildResendDeps } from '../wiring/deps';
import { createLogger, logOf } from '../wiring/log';
import { flushingMetrics, PowertoolsMetrics } from '../wiring/metrics';

const log = logOf(createLogger());
const metrics = new PowertoolsMetrics();
export const handler = flushingMetrics(createResendHandler(buildResendDeps(process.env, { clients: createAwsClients(), log, metrics })), metrics);
