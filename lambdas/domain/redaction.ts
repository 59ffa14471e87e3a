// Secrets live in three places: the URL (query values or a path segment), Basic auth credentials
// and, later, signing secrets. Everything shown or logged goes through here first.
import type { Subscription } from './types';

export const MASK = '***';

/**
 * The URL with every query value, the userinfo and the path segments that may hold a secret masked.
 * Which path segment is secret cannot be known, so all but the first are masked, and the first too
 * when it is the only one and no query carries the secret.
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
  const hasQuery = url.search.length > 1;
  const userinfo = url.username || url.password ? `${MASK}@` : '';
  const query = hasQuery
    ? '?' +
      url.search
        .slice(1)
        .split('&')
        .map((pair) => {
          const eq = pair.indexOf('=');
          return eq < 0 ? pair : `${pair.slice(0, eq)}=${MASK}`;
        })
        .join('&')
    : '';
  return `${url.protocol}//${userinfo}${url.host}/${masked.join('/')}${query}`;
}

/** Every secret string a subscription holds, longest first, for scrubbing free text. */
export function secretsOf(subscription: Pick<Subscription, 'url' | 'basicAuth' | 'headers' | 'signingSecrets'>): string[] {
  const secrets = new Set<string>();
  try {
    const url = new URL(subscription.url);
    if (url.password) secrets.add(decodeURIComponent(url.password));
    if (url.username) secrets.add(decodeURIComponent(url.username));
    for (const [, value] of url.searchParams) secrets.add(value);
    const segments = url.pathname.split('/').slice(1);
    segments.forEach((segment, i) => {
      if (isSecretSegment(url, segments, i)) secrets.add(segment).add(safeDecode(segment));
    });
    if (url.search.length > 1) secrets.add(url.search.slice(1));
  } catch {
    secrets.add(subscription.url);
  }
  if (subscription.basicAuth) {
    secrets.add(subscription.basicAuth.password);
    // `https://TOKEN@host/` carries its secret as the username.
    if (subscription.basicAuth.password === '') secrets.add(subscription.basicAuth.username);
    secrets.add(Buffer.from(`${subscription.basicAuth.username}:${subscription.basicAuth.password}`).toString('base64'));
  }
  for (const value of Object.values(subscription.headers ?? {})) secrets.add(value);
  for (const { secret } of subscription.signingSecrets ?? []) secrets.add(secret);
  // Very short values (e.g. `?v=1`) would mask ordinary words everywhere; they are no secret anyway.
  return [...secrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of each secret in free text (error messages, response excerpts). */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && out.includes(secret)) out = out.split(secret).join(MASK);
  }
  return out;
}

function isSecretSegment(url: URL, segments: string[], i: number): boolean {
  if (segments[i] === '') return false;
  return i > 0 || (segments.length === 1 && url.search.length <= 1);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
