// Runs every five minutes (EventBridge rule) and at local start-up.
import type { Context } from 'aws-lambda';
import { sweep, type SweepDeps, type SweepResult } from '../domain/sweep';

/** Of the time an invocation has left, pass 1 may use this share; the rest is pass 2's. */
const FANOUT_PASS_SHARE = 0.5;

export function createSweeperHandler(deps: SweepDeps) {
  return async (_event?: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<SweepResult> => {
    if (!context) return sweep(deps);
    // Asked again each time: an invocation may end early (the local runtime stopping).
    const keepForPass2Ms = context.getRemainingTimeInMillis() * (1 - FANOUT_PASS_SHARE);
    return sweep(deps, { remainingMs: () => context.getRemainingTimeInMillis() - keepForPass2Ms });
  };
}
