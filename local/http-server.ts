// The runtime's one HTTP server on 127.0.0.1: the SQS endpoint (POST / with x-amz-target), Lambda
// Invoke, POST /events for curl, GET /health and GET /notifications. It only routes and does the I/O; the endpoints are
// plain functions.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Log } from '../lambdas/domain/log';
import { jsonReply, type HttpReply } from './http-reply';
import { refusal, type Door } from './doors';
import { INVOKE_PATH, type LambdaEndpoint } from './lambda-endpoint';
import type { SqsEndpoint } from './sqs-endpoint';
import { checkBody, checkSize, SqsError } from './sqs-rules';

/** An event taken (its message id on the events queue), or refused with the reason. */
export type Publication = { messageId: string } | { refused: string };

export interface Routes {
  sqs: SqsEndpoint;
  lambda: LambdaEndpoint;
  /** Puts one event on the events queue, if it is one (a JSON object with a `type`). */
  publish(body: string): Publication;
  health(): unknown;
  /** What support would have been notified of (SNS in AWS). */
  notifications(): unknown;
}

export interface HttpServer {
  port: number;
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** Answered with 503 until set: the routes need the port, which is known only once listening. */
  setRoutes(routes: Routes): void;
  /** Stops accepting connections and resolves once the requests in progress have been answered. */
  close(): Promise<void>;
}

/** Lambda's request payload limit; SQS messages are far smaller and checked by the SQS rules. */
const MAX_REQUEST_BYTES = 6 * 1024 * 1024;
/** After this long, connections still open at shutdown are dropped. */
const CLOSE_GRACE_MS = 5_000;

class RequestTooLarge extends Error {}

export async function startHttpServer(port: number, log: Log): Promise<HttpServer> {
  // Both known only later: the port once listening (no request is handled before that), the routes once set.
  const state: ServerState = { routes: undefined, port };
  const server = createServer((req, res) => {
    handle(state, req, res).catch((error: unknown) => {
      log.error('local endpoint failed', { method: req.method, path: req.url, error: String(error) });
      if (!res.headersSent) send(res, jsonReply(500, { message: 'internal error of the local runtime, see its log' }));
      else res.destroy();
    });
  });
  state.port = await listen(server, port);
  return {
    port: state.port,
    url: `http://127.0.0.1:${state.port}`,
    setRoutes(r) {
      state.routes = r;
    },
    close: () => closeServer(server),
  };
}

interface ServerState {
  routes: Routes | undefined;
  port: number;
}

async function handle(state: ServerState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Checked before the body is read: a refused request costs nothing.
  const refused = refusal(req.headers, state.port, doorOf(req));
  if (refused) return send(res, refused, true);
  let body: Buffer;
  try {
    body = await readBody(req);
  } catch (error) {
    if (error instanceof RequestTooLarge)
      return send(res, jsonReply(413, { message: `request body larger than ${MAX_REQUEST_BYTES} bytes` }), true);
    throw error;
  }
  if (!state.routes) return send(res, jsonReply(503, { message: 'starting, try again in a moment' }));
  send(res, await route(state.routes, req, body));
}

async function route(r: Routes, req: IncomingMessage, body: Buffer): Promise<HttpReply> {
  const path = pathOf(req);
  const method = req.method ?? 'GET';
  const target = req.headers['x-amz-target'];
  if (method === 'POST' && path === '/' && typeof target === 'string') return r.sqs(target, body.toString('utf8'));
  const invoke = INVOKE_PATH.exec(path);
  if (invoke && method === 'POST') {
    const type = req.headers['x-amz-invocation-type'];
    return r.lambda({
      functionName: invoke[1],
      body: body.toString('utf8'),
      invocationType: typeof type === 'string' ? type : undefined,
    });
  }
  if (path === '/events' && method === 'POST') return publish(r, body);
  if (path === '/health' && method === 'GET') return jsonReply(200, r.health());
  if (path === '/notifications' && method === 'GET') return jsonReply(200, r.notifications());
  return jsonReply(404, {
    message:
      `no local endpoint for ${method} ${path}; try POST /events, GET /health, GET /notifications, ` +
      'the SQS API (POST / with x-amz-target) or POST /2015-03-31/functions/{name}/invocations',
  });
}

/**
 * The body's bytes become the event unchanged, so they must be UTF-8 (an SQS message is text):
 * anything else is refused rather than altered. What is not an event (a JSON object with a
 * `type`) is refused with the reason, here where the caller sees it; the SQS path parks it in the
 * events DLQ instead, as in AWS.
 */
function publish(r: Routes, bytes: Buffer): HttpReply {
  let body: string;
  try {
    body = STRICT_UTF8.decode(bytes);
    checkBody(body, 'the request body');
    checkSize(body, {});
  } catch (error) {
    if (error instanceof TypeError) return jsonReply(400, { message: 'the request body is not UTF-8 text; an event must be UTF-8 JSON' });
    if (error instanceof SqsError) return jsonReply(400, { message: error.message });
    throw error;
  }
  const published = r.publish(body);
  if ('refused' in published) return jsonReply(400, { message: `not an event: ${published.refused}` });
  return jsonReply(202, published);
}

/** Listens on 127.0.0.1; resolves with the port taken (the one asked for, or a free one for 0). */
async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
  await closed;
  clearTimeout(force);
}

/** Fatal on bad bytes, and keeping a byte order mark: the text is exactly the bytes, or nothing. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0];
}

/** Which door a request knocks on, for the checks in doors.ts (routing proper happens after). */
function doorOf(req: IncomingMessage): Door {
  if (req.method !== 'POST') return 'read';
  const path = pathOf(req);
  if (path === '/events') return 'events';
  if (INVOKE_PATH.test(path)) return 'lambda';
  return path === '/' && req.headers['x-amz-target'] !== undefined ? 'sqs' : 'read';
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) {
        chunks.push(chunk);
        return;
      }
      // Stop reading but keep the socket, so the 413 can still be sent on it.
      req.off('data', onData);
      req.pause();
      reject(new RequestTooLarge());
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function send(res: ServerResponse, reply: HttpReply, closeConnection = false): void {
  const headers: Record<string, string | number> = { ...reply.headers, 'content-length': Buffer.byteLength(reply.body) };
  // The rest of an oversized body is not read; the connection cannot be reused.
  if (closeConnection) {
    headers.connection = 'close';
    res.once('finish', () => res.socket?.destroy());
  }
  res.writeHead(reply.status, headers).end(reply.body);
}
