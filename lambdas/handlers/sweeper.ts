// Runs every five minutes (EventBridge rule) and at local start-up.
import { sweep, type SweepDeps, type SweepResult } from '../domain/sweep';

export function createSweeperHandler(deps: SweepDeps) {
  return async (): Promise<SweepResult> => sweep(deps);
}
