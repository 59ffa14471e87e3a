// Console-invoked functions answer bad input with a function error whose message says what to fix.
// Unexpected errors are logged in full and answered with a short message, never with internals.
import type { MiddlewareObj } from '@middy/core';
import type { Log } from '../domain/log';

const CALLER_ERRORS = new Set(['ValidationError', 'NotFoundError', 'ConflictError']);

/** The error the caller sees for `error`: itself when it is the caller's to fix, else a short InternalError. */
export function callerErrorOf(log: Log, operation: string, error: unknown): Error {
  const e = error as Error;
  if (CALLER_ERRORS.has(e?.name)) {
    log.warn(`${operation} refused`, { error: e.message });
    return e;
  }
  log.error(`${operation} failed`, { error: String(error), stack: e?.stack });
  const internal = new Error(`${operation} failed: internal error, see the function log`);
  internal.name = 'InternalError';
  return internal;
}

/** The same mapping as a middy middleware: middy throws `request.error` after the onError handlers. */
export function callerErrors(log: Log, operation: string): MiddlewareObj {
  return {
    onError: async (request) => {
      request.error = callerErrorOf(log, operation, request.error);
    },
  };
}
