// Parsers for option values: a bad value stops the command with commander's one-line error naming
// the option, before anything is sent. Values that carry secrets (headers, Basic auth) are refused
// without commander's message, which would repeat the value on the terminal and in CI logs.
import { InvalidArgumentError } from 'commander';
import { CliError } from './errors';

export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('must be a positive integer.');
  return Number(value);
}

export function nonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number (0 or more).');
  return Number(value);
}

/** For repeatable options with a parser: commander hands over the values so far. */
export function collect<T>(parse: (value: string) => T) {
  return (value: string, previous: T[] | undefined): T[] => [...(previous ?? []), parse(value)];
}

export const collectStrings = collect((value: string) => value);

/**
 * A repeatable option that takes one value each time, commas separating several (`--event-type
 * donation,contact_update`). Not variadic: a variadic option would swallow the argument after it
 * (`update --event-type donation sub_...` took the id for a second type).
 */
export function collectList(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== ''),
  ];
}

/** `Name: value`, as a header line is written. */
export function header(value: string): [string, string] {
  const colon = value.indexOf(':');
  if (colon <= 0) throw secretOptionError('--header <header>', 'must be "Name: value".');
  return [value.slice(0, colon).trim(), value.slice(colon + 1).trim()];
}

export function headersObject(headers: Array<[string, string]>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of headers) {
    if (Object.hasOwn(result, name)) throw new CliError(`--header: ${name} given twice`);
    // Defined, not assigned: `__proto__` is a header name like any other, and an assignment would drop it.
    Object.defineProperty(result, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return result;
}

/** `user:password`; the password may itself contain colons. */
export function basicAuth(value: string): { username: string; password: string } {
  const colon = value.indexOf(':');
  if (colon <= 0 || colon === value.length - 1) throw secretOptionError('--basic-auth <user:password>', 'must be "user:password".');
  return { username: value.slice(0, colon), password: value.slice(colon + 1) };
}

/** A window bound: ISO 8601 date-time as given, or a date alone (`2026-11-30`) taken as midnight UTC. */
export function windowTime(value: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const midnight = new Date(`${value}T00:00:00Z`);
    // Date reads 2026-02-31 as 3 March: only a date that comes back unchanged is one.
    if (Number.isNaN(midnight.getTime()) || midnight.toISOString().slice(0, 10) !== value)
      throw new InvalidArgumentError('not a calendar date.');
    return `${value}T00:00:00Z`;
  }
  return value;
}

/** Not an InvalidArgumentError: commander would put the rejected value into its message. */
function secretOptionError(flags: string, problem: string): CliError {
  return new CliError(`option '${flags}' is invalid (value not shown: it may hold a secret). ${problem}`);
}
