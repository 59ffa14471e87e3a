// Who may use the console: the browser of whoever started it. The printed URL carries a one-time
// token, exchanged on first use for a session cookie (HttpOnly, SameSite=Strict); every request must
// carry the cookie, name this server in its Host header (no DNS rebinding: a page of another site
// that resolves its name to 127.0.0.1 still sends its own name), and every API call must come from
// this origin (Origin header, JSON body: a cross-site form or script cannot produce both).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const COOKIE_NAME = 'crm_webhooks_console';

export type Verdict = { kind: 'allow' } | { kind: 'exchange'; cookie: string } | { kind: 'refuse'; status: number; reason: string };

export class ConsoleGuard {
  readonly token = randomBytes(24).toString('base64url');
  private readonly session = randomBytes(32).toString('base64url');
  private tokenUsed = false;

  constructor(private readonly port: () => number) {}

  /** The Host values this server answers to: its own address, by IP or as localhost. */
  private hosts(): string[] {
    const port = this.port();
    return [`127.0.0.1:${port}`, `localhost:${port}`];
  }

  check(req: IncomingMessage, url: URL): Verdict {
    const host = req.headers.host ?? '';
    if (!this.hosts().includes(host)) return { kind: 'refuse', status: 421, reason: `this console answers only to ${this.hosts()[0]}` };
    const token = url.searchParams.get('token');
    if (token !== null) return this.exchange(token);
    if (!sameSecret(cookieOf(req, COOKIE_NAME), this.session)) {
      return { kind: 'refuse', status: 401, reason: 'no console session: open the URL that `crm-webhooks console` printed' };
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return this.checkApiCall(req, host);
    return { kind: 'allow' };
  }

  private exchange(token: string): Verdict {
    if (this.tokenUsed || !sameSecret(token, this.token)) {
      return { kind: 'refuse', status: 401, reason: 'this console link is used up or wrong: restart `crm-webhooks console` for a new one' };
    }
    this.tokenUsed = true;
    return { kind: 'exchange', cookie: `${COOKIE_NAME}=${this.session}; HttpOnly; SameSite=Strict; Path=/` };
  }

  private checkApiCall(req: IncomingMessage, host: string): Verdict {
    if (req.headers.origin !== `http://${host}`) return { kind: 'refuse', status: 403, reason: 'cross-origin request refused' };
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') return { kind: 'refuse', status: 403, reason: 'cross-site request refused' };
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return { kind: 'refuse', status: 415, reason: 'send JSON' };
    return { kind: 'allow' };
  }
}

function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
