// The support console's HTTP server on 127.0.0.1: the page, its script and styles, and one API call
// that forwards a console payload to a support function through the CLI's own session (the same
// Lambda Invoke calls, with the operator's own credentials). Every request passes the guard first.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { version } from '../../package.json';
import { describeError } from '../errors';
import type { FunctionRole } from '../target';
import type { Session } from '../session';
import type { ConsoleAssets } from './bundle';
import { ConsoleGuard } from './guard';
import { pageHtml } from './page';

const ROLES: readonly FunctionRole[] = ['subscriptions', 'resend', 'deliveries', 'dead-letters'];
const MAX_BODY = 1_048_576;

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export interface ConsoleServer {
  url: string;
  /** The URL with the one-time token: for the operator's browser only. */
  loginUrl: string;
  close(): Promise<void>;
}

export async function startConsoleServer(options: { session: Session; assets: ConsoleAssets; port?: number }): Promise<ConsoleServer> {
  let port = 0;
  const guard = new ConsoleGuard(() => port);
  const server = createServer((req, res) => {
    handle(req, res, guard, options).catch((error: unknown) =>
      send(res, 500, 'application/json', JSON.stringify({ error: String(error) })),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    loginUrl: `${url}/?token=${guard.token}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  guard: ConsoleGuard,
  options: { session: Session; assets: ConsoleAssets },
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://console.invalid');
  const verdict = guard.check(req, url);
  if (verdict.kind === 'refuse') return send(res, verdict.status, 'text/plain; charset=utf-8', `${verdict.reason}\n`);
  if (verdict.kind === 'exchange') {
    // The token leaves the address bar at once; the cookie stands in for it from now on.
    res.writeHead(303, { ...SECURITY_HEADERS, 'set-cookie': verdict.cookie, location: '/' }).end();
    return;
  }
  if (req.method === 'POST' && url.pathname === '/api/invoke') return invoke(req, res, options.session);
  if (req.method !== 'GET') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
  if (url.pathname === '/app.js') return send(res, 200, 'text/javascript; charset=utf-8', options.assets.script);
  if (url.pathname === '/app.css') return send(res, 200, 'text/css; charset=utf-8', options.assets.styles);
  if (url.pathname === '/api/info') return send(res, 200, 'application/json', JSON.stringify({ where: options.session.where(), version }));
  // Every other path is the page: the pages are routed in the browser (#/...).
  return send(res, 200, 'text/html; charset=utf-8', pageHtml());
}

async function invoke(req: IncomingMessage, res: ServerResponse, session: Session): Promise<void> {
  let request: { function?: unknown; payload?: unknown };
  try {
    request = JSON.parse(await readBody(req)) as typeof request;
  } catch (error) {
    return send(res, 400, 'application/json', JSON.stringify({ error: `not a JSON request: ${(error as Error).message}` }));
  }
  const role = request.function;
  if (typeof role !== 'string' || !ROLES.includes(role as FunctionRole)) {
    return send(res, 400, 'application/json', JSON.stringify({ error: `function: must be one of ${ROLES.join(', ')}` }));
  }
  try {
    const result = await session.invoke(role as FunctionRole, request.payload);
    return send(res, 200, 'application/json', JSON.stringify({ result }));
  } catch (error) {
    // The function's own message (it names the field at fault), or what could not be reached.
    return send(res, 422, 'application/json', JSON.stringify({ error: describeError(error, session.where()) }));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('larger than 1 MiB'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type }).end(body);
}
