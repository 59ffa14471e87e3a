// Invoked from the console or the CLI: list, show, redrive and purge the two dead-letter queues.
import { handleDeadLetters, type DeadLetterDeps, type DeadLetterResponse } from '../domain/dead-letters';
import type { Log } from '../domain/log';

// Its caller errors are mapped by the entry point's middleware (wiring/lambda-handler.ts).
export function createDeadLettersHandler(deps: DeadLetterDeps & { log: Log }) {
  return (input: unknown): Promise<DeadLetterResponse> => handleDeadLetters(deps, input);
}
