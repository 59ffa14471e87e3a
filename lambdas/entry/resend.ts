// Lambda entry of the resend function: configuration and clients once per cold start, then the handler.
import { createResendHandler } from '../handlers/resend';
import { createAwsClients } from '../wiring/aws-clients';
import { buildResendDeps } from '../wiring/deps';
import { createLogger, logOf } from '../wiring/log';

const log = logOf(createLogger());
export const handler = createResendHandler(buildResendDeps(process.env, { clients: createAwsClients(), log }));
