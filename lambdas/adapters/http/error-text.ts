// Error texts end up in the attempt log, which support reads. The request URL and headers carry the
// receiver's secrets (URL secret, Basic auth), so they are scrubbed from every text we keep.

const MAX_ERROR_LENGTH = 300;
const REDACTED = '[redacted]';
/** Shorter fragments are too common to scrub without mangling the text (and too short to be secrets). */
const MIN_SECRET_LENGTH = 4;

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

export function redactSecrets(text: string, secrets: SecretSources): string {
  let clean = text;
  for (const fragment of secretFragments(secrets)) {
    clean = clean.split(fragment).join(REDACTED);
  }
  return clean.length > MAX_ERROR_LENGTH ? `${clean.slice(0, MAX_ERROR_LENGTH - 1)}…` : clean;
}

function secretFragments({ url, headers }: SecretSources): string[] {
  const fragments = new Set<string>([url]);
  try {
    const parsed = new URL(url);
    fragments.add(parsed.href);
    fragments.add(parsed.pathname + parsed.search);
    fragments.add(parsed.search);
    fragments.add(parsed.search.slice(1));
    for (const value of parsed.searchParams.values()) fragments.add(value);
    // A secret may live in the path instead of the query.
    if (parsed.pathname !== '/') fragments.add(parsed.pathname);
    for (const segment of parsed.pathname.split('/')) fragments.add(segment);
  } catch {
    // Not a URL: the raw string above is all there is to scrub.
  }
  for (const value of Object.values(headers)) {
    fragments.add(value);
    // `Basic <token>` / `Bearer <token>`: the token alone may be echoed too.
    const token = /^\S+\s+(\S+)$/.exec(value)?.[1];
    if (token) fragments.add(token);
  }
  for (const fragment of [...fragments]) {
    try {
      fragments.add(decodeURIComponent(fragment));
    } catch {
      // Malformed percent-encoding: the raw form is already in the set.
    }
  }
  // Longest first, so a fragment is not left half-scrubbed after a shorter one inside it was replaced.
  return [...fragments].filter((f) => f.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
