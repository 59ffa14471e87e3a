// Runs every five minutes (EventBridge rule) and at local start-up.
import { sweepOverdue, type SweepDeps, type SweepResult } from '../domain/sweep';

export function createSweeperHandler(deps: SweepDeps) {
  return async (): Promise<SweepResult> => sweepOverdue(deps);
}
