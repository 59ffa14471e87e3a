// Error texts end up in the attempt log, which support reads. The request URL and headers carry the
// receiver's secrets (URL secret, Basic auth), so they are scrubbed from every text we keep.
import { requestSecretsOf, scrub } from '../../domain/redaction';

const MAX_ERROR_LENGTH = 300;

export interface SecretSources {
  url: string;
  headers: Record<string, string>;
}

/** The error's code, looking through `cause` and aggregated errors (Happy Eyeballs tries several addresses). */
export function errorCodeOf(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (isObject(current) && !seen.has(current)) {
    seen.add(current);
    if (typeof current.code === 'string' && current.code !== '') return current.code;
    if (Array.isArray(current.errors) && current.errors.length > 0) {
      const inner = errorCodeOf(current.errors[0]);
      if (inner) return inner;
    }
    current = current.cause;
  }
  return undefined;
}

/** `CODE: message` (or the message alone when it already names the code), secrets removed, kept short. */
export function describeError(error: unknown, secrets: SecretSources): string {
  const code = errorCodeOf(error);
  const name = isObject(error) && typeof error.name === 'string' ? error.name : 'Error';
  const message = isObject(error) && typeof error.message === 'string' ? error.message : String(error);
  const label = code ?? name;
  const text = message === '' ? label : message.includes(label) ? message : `${label}: ${message}`;
  return redactSecrets(text, secrets);
}

/** The text with every secret of the request masked (the one scrubber of lambdas/domain/redaction.ts), kept short. */
export function redactSecrets(text: string, request: SecretSources): string {
  const clean = scrub(text, requestSecretsOf(request));
  return clean.length > MAX_ERROR_LENGTH ? `${clean.slice(0, MAX_ERROR_LENGTH - 1)}…` : clean;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
