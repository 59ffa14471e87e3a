// Invoked from the console or the CLI with one resend selector (DESIGN.md, "Support operations").
import type { Log } from '../domain/log';
import { resend, type ResendDeps, type ResendResult } from '../domain/resend';
import { withCallerErrors } from './errors';

export function createResendHandler(deps: ResendDeps & { log: Log }) {
  return withCallerErrors(deps.log, 'resend', (input: unknown): Promise<ResendResult> => resend(deps, input));
}
