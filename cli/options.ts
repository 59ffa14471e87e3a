// Parsers for option values: a bad value stops the command with commander's one-line error naming
// the option, before anything is sent.
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

/** `Name: value`, as a header line is written. */
export function header(value: string): [string, string] {
  const colon = value.indexOf(':');
  if (colon <= 0) throw new InvalidArgumentError('must be "Name: value".');
  return [value.slice(0, colon).trim(), value.slice(colon + 1).trim()];
}

export function headersObject(headers: Array<[string, string]>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of headers) {
    if (Object.hasOwn(result, name)) throw new CliError(`--header: ${name} given twice`);
    result[name] = value;
  }
  return result;
}

/** `user:password`; the password may itself contain colons. */
export function basicAuth(value: string): { username: string; password: string } {
  const colon = value.indexOf(':');
  if (colon <= 0 || colon === value.length - 1) throw new InvalidArgumentError('must be "user:password".');
  return { username: value.slice(0, colon), password: value.slice(colon + 1) };
}
