// The logging the domain needs. Handlers pass Powertools' Logger, which fits this shape; tests may
// pass a recorder. Fields must never hold a secret: log ids, counts and redacted URLs only.
export type LogFields = Record<string, unknown>;

export interface Log {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export const silentLog: Log = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
