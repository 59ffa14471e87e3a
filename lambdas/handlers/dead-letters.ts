// Invoked from the console or the CLI: list, show, redrive and purge the two dead-letter queues.
import { handleDeadLetters, type DeadLetterDeps, type DeadLetterResponse } from '../domain/dead-letters';
import type { Log } from '../domain/log';
import { withCallerErrors } from './errors';

export function createDeadLettersHandler(deps: DeadLetterDeps & { log: Log }) {
  return withCallerErrors(deps.log, 'dead-letters', (input: unknown): Promise<DeadLetterResponse> => handleDeadLetters(deps, input));
}
