// Runs every five minutes (EventBridge rule) and at local start-up.
import type { Context } from 'aws-lambda';
import { sweep, type SweepDeps, type SweepResult } from '../domain/sweep';

/** Of the time an invocation has left, pass 1 may use this share; the rest is pass 2's. */
const FANOUT_PASS_SHARE = 0.5;

export function createSweeperHandler(deps: SweepDeps) {
  return async (_event?: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<SweepResult> => {
    if (!context) return sweep(deps);
    const stopAt = Date.now() + context.getRemainingTimeInMillis() * FANOUT_PASS_SHARE;
    return sweep(deps, { remainingMs: () => stopAt - Date.now() });
  };
}
