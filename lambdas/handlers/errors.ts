// Console-invoked functions answer bad input with a function error whose message says what to fix.
// Unexpected errors are logged in full and answered with a short message, never with internals.
import type { Log } from '../domain/log';

const CALLER_ERRORS = new Set(['ValidationError', 'NotFoundError', 'ConflictError']);

export function withCallerErrors<I, O>(log: Log, operation: string, fn: (input: I) => Promise<O>) {
  return async (input: I): Promise<O> => {
    try {
      return await fn(input);
    } catch (error) {
      const e = error as Error;
      if (CALLER_ERRORS.has(e?.name)) {
        log.warn(`${operation} refused`, { error: e.message });
        throw error;
      }
      log.error(`${operation} failed`, { error: String(error), stack: e?.stack });
      const internal = new Error(`${operation} failed: internal error, see the function log`);
      internal.name = 'InternalError';
      throw internal;
    }
  };
}
