// Powertools Logger as the domain's Log: structured JSON lines with the fields merged in.
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import type { Log, LogFields } from '../domain/log';

/**
 * Without `logLevel` the level comes from Lambda's log-level setting or POWERTOOLS_LOG_LEVEL, else
 * INFO: successful deliveries (DEBUG) are not written, failures (INFO, WARN) and errors are.
 */
export function createLogger(logLevel?: LogLevel): Logger {
  return new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'crm-webhooks', ...(logLevel ? { logLevel } : {}) });
}

export function logOf(logger: Logger): Log {
  const fields = (f?: LogFields) => f ?? {};
  return {
    debug: (message, f) => logger.debug(message, fields(f)),
    info: (message, f) => logger.info(message, fields(f)),
    warn: (message, f) => logger.warn(message, fields(f)),
    error: (message, f) => logger.error(message, fields(f)),
  };
}
