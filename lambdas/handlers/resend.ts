// Invoked from the console or the CLI with one resend selector (DESIGN.md, "Support operations").
import type { Log } from '../domain/log';
import { resend, type ResendDeps, type ResendResult } from '../domain/resend';

// Its caller errors are mapped by the entry point's middleware (wiring/lambda-handler.ts).
export function createResendHandler(deps: ResendDeps & { log: Log }) {
  return (input: unknown): Promise<ResendResult> => resend(deps, input);
}
