// Secrets live in four places: the URL (userinfo, query, a path segment), Basic auth credentials,
// static header values and signing secrets. Everything shown or logged goes through here first:
// `redactUrl` for a URL on display, `scrub` for free text (error messages, response excerpts), with
// one mask for both.
import type { Subscription } from './types';

export const MASK = '***';

/** Shorter values (e.g. `?v=1`) would mask ordinary words everywhere; they are no secret anyway. */
const MIN_SECRET_LENGTH = 4;

/**
 * The URL with the userinfo, every query value (a bare `?token` whole) and the path segments that
 * may hold a secret masked. Which path segment is secret cannot be known, so all but the first are
 * masked, and the first too when it is the only one and no query carries the secret.
 */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return MASK;
  }
  const segments = url.pathname.split('/').slice(1);
  const masked = segments.map((segment, i) => (isSecretSegment(url, segments, i) ? MASK : segment));
  const userinfo = url.username || url.password ? `${MASK}@` : '';
  const pairs = queryPairs(url).map(({ name, bare }) => (bare ? (name === '' ? '' : MASK) : `${name}=${MASK}`));
  const query = pairs.length > 0 ? `?${pairs.join('&')}` : '';
  return `${url.protocol}//${userinfo}${url.host}/${masked.join('/')}${query}`;
}

/** The secret parts of a URL, as written in it and decoded. */
function urlSecrets(raw: string, into: Set<string>): void {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    into.add(raw);
    return;
  }
  if (url.password) addDecoded(into, url.password);
  if (url.username) addDecoded(into, url.username);
  for (const { name, value, bare } of queryPairs(url)) addDecoded(into, bare ? name : value);
  if (url.search.length > 1) addDecoded(into, url.search.slice(1));
  const segments = url.pathname.split('/').slice(1);
  segments.forEach((segment, i) => {
    if (isSecretSegment(url, segments, i)) addDecoded(into, segment);
  });
}

/** Every secret string a subscription holds, longest first, for scrubbing free text. */
export function secretsOf(subscription: Pick<Subscription, 'url' | 'basicAuth' | 'headers' | 'signingSecrets'>): string[] {
  const secrets = new Set<string>();
  urlSecrets(subscription.url, secrets);
  if (subscription.basicAuth) {
    const { username, password } = subscription.basicAuth;
    secrets.add(password);
    // `https://TOKEN@host/` carries its secret as the username.
    if (password === '') secrets.add(username);
    secrets.add(Buffer.from(`${username}:${password}`).toString('base64'));
  }
  for (const value of Object.values(subscription.headers ?? {})) addHeaderValue(secrets, value);
  for (const { secret } of subscription.signingSecrets ?? []) {
    // The key itself is the base64 after the prefix; a receiver may echo either.
    secrets.add(secret).add(secret.replace(/^whsec_/, ''));
  }
  return finish(secrets);
}

/** The secrets of one HTTP request as the client sends it: its URL and every header value. */
export function requestSecretsOf(request: { url: string; headers: Record<string, string> }): string[] {
  const secrets = new Set<string>();
  urlSecrets(request.url, secrets);
  for (const value of Object.values(request.headers)) addHeaderValue(secrets, value);
  return finish(secrets);
}

/**
 * Replaces every occurrence of each secret in free text, also in the encoded forms a receiver or a
 * library may echo it in (percent-encoded, form-encoded with `+` for a space, as a JSON string, also
 * with `\/`), and in another case. A copy in another case counts only as a whole word: the secret
 * `refused` (a path segment) must not eat a part of `ECONNREFUSED`.
 */
export function scrub(text: string, secrets: readonly string[]): string {
  const patterns = scrubPatterns(secrets);
  if (patterns === undefined) return text;
  return text.replace(patterns.exact, MASK).replace(patterns.anyCase, MASK);
}

/** The first `maxBytes` of scrubbed text, cut on a character boundary: scrubbed first, so no secret survives in part at the cut. */
export function scrubbedExcerpt(text: string, secrets: readonly string[], maxBytes: number): string {
  const clean = scrub(text, secrets);
  if (Buffer.byteLength(clean, 'utf8') <= maxBytes) return clean;
  // `stream: true` holds back a character cut in half instead of emitting U+FFFD for it.
  return new TextDecoder('utf-8').decode(Buffer.from(clean, 'utf8').subarray(0, maxBytes), { stream: true });
}

function scrubPatterns(secrets: readonly string[]): { exact: RegExp; anyCase: RegExp } | undefined {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    for (const form of encodedForms(secret)) forms.add(form);
  }
  if (forms.size === 0) return undefined;
  // Longest first, so a form is not left half-scrubbed after a shorter one inside it was replaced.
  const alternatives = [...forms]
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp)
    .join('|');
  return { exact: new RegExp(alternatives, 'g'), anyCase: new RegExp(`(?<![A-Za-z0-9])(?:${alternatives})(?![A-Za-z0-9])`, 'gi') };
}

function encodedForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const percent = encodeURIComponent(secret);
  const form = new URLSearchParams({ s: secret }).toString().slice(2);
  return [secret, percent, form, encodeURI(secret), json, json.replaceAll('/', '\\/'), JSON.stringify(percent).slice(1, -1)];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function addHeaderValue(into: Set<string>, value: string): void {
  into.add(value);
  // `Basic <token>` / `Bearer <token>`: the token alone may be echoed too.
  const token = /^\S+\s+(\S+)$/.exec(value)?.[1];
  if (token) into.add(token);
}

function addDecoded(into: Set<string>, raw: string): void {
  into.add(raw);
  try {
    into.add(decodeURIComponent(raw.replaceAll('+', ' ')));
    into.add(decodeURIComponent(raw));
  } catch {
    // Malformed percent-encoding: the raw form is all there is.
  }
}

function finish(secrets: Set<string>): string[] {
  return [...secrets].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

/** The query as written, pair by pair: a pair without `=` (`?BareToken`) is bare. */
function queryPairs(url: URL): Array<{ name: string; value: string; bare: boolean }> {
  if (url.search.length <= 1) return [];
  return url.search
    .slice(1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq < 0 ? { name: pair, value: '', bare: true } : { name: pair.slice(0, eq), value: pair.slice(eq + 1), bare: false };
    });
}

function isSecretSegment(url: URL, segments: string[], i: number): boolean {
  if (segments[i] === '') return false;
  return i > 0 || (segments.length === 1 && url.search.length <= 1);
}
