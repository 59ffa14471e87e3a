// Every function's Lambda entry point is its handler wrapped by middy with the same middlewares:
// the Lambda context on every log line (request id, cold start, function name), the invocation's
// metrics written once when it ends, and, for the functions support invokes, caller errors answered
// as they are and anything else as a short InternalError. The local runtime and the tests invoke
// these same wrapped handlers with a Lambda-like context.
import middy, { type MiddlewareObj, type MiddyfiedHandler } from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { callerErrors } from '../handlers/errors';
import type { Log } from '../domain/log';
import type { Metrics } from '../domain/metrics';

/** Metrics buffered per invocation (Powertools' EMF adapter); recorders without a buffer need no flush. */
export type FlushableMetrics = Metrics & { flush?: () => void };

export interface EntryTools {
  log: Log;
  /** The Powertools logger behind `log`, given where there is one (Lambda, `npm start`). */
  logger?: Logger;
  metrics?: FlushableMetrics;
}

export interface EntryOptions {
  /** A function support invokes (console, CLI): the operation named in its error messages. */
  callerErrorsOf?: string;
}

export type LambdaHandler<E, R> = MiddyfiedHandler<E, R, Error, Context>;

/** Writes the invocation's buffered metrics when the handler returns or throws. */
export function flushMetrics(metrics: FlushableMetrics): MiddlewareObj<unknown, unknown, Error, Context> {
  const flush = async () => metrics.flush?.();
  return { after: flush, onError: flush };
}

export function lambdaHandler<E, R>(
  handler: (event: E, context: Context) => Promise<R>,
  tools: EntryTools,
  options: EntryOptions = {},
): LambdaHandler<E, R> {
  const wrapped = middy<E, R, Error, Context>(handler);
  // Order: middy runs `before` in this order and `after`/`onError` in reverse, so the context is
  // on the log lines of the error mapping, and metrics are flushed last.
  if (tools.logger) wrapped.use(injectLambdaContext(tools.logger, { resetKeys: true }));
  if (tools.metrics) wrapped.use(flushMetrics(tools.metrics));
  if (options.callerErrorsOf) wrapped.use(callerErrors(tools.log, options.callerErrorsOf) as MiddlewareObj<E, R, Error, Context>);
  return wrapped;
}
