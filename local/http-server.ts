// The runtime's one HTTP server on 127.0.0.1: the SQS endpoint (POST / with x-amz-target), Lambda
// Invoke, POST /events for curl, GET /health and GET /notifications. It only routes and does the I/O; the endpoints are
// plain functions.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Log } from '../lambdas/domain/log';
import { jsonReply, type HttpReply } from './http-reply';
import { INVOKE_PATH, type LambdaEndpoint } from './lambda-endpoint';
import type { SqsEndpoint } from './sqs-endpoint';
import { checkBody, checkSize, SqsError } from './sqs-rules';

export interface Routes {
  sqs: SqsEndpoint;
  lambda: LambdaEndpoint;
  /** Puts one event on the events queue; returns its message id. */
  publish(body: string): string;
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
  let routes: Routes | undefined;

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error('local endpoint failed', { method: req.method, path: req.url, error: String(error) });
      if (!res.headersSent) send(res, jsonReply(500, { message: 'internal error of the local runtime, see its log' }));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: string;
    try {
      body = await readBody(req);
    } catch (error) {
      if (error instanceof RequestTooLarge) return send(res, jsonReply(413, { message: `request body larger than ${MAX_REQUEST_BYTES} bytes` }), true);
      throw error;
    }
    if (!routes) return send(res, jsonReply(503, { message: 'starting, try again in a moment' }));
    send(res, await route(routes, req, body));
  }

  async function route(r: Routes, req: IncomingMessage, body: string): Promise<HttpReply> {
    const path = (req.url ?? '/').split('?')[0]!;
    const method = req.method ?? 'GET';
    const target = req.headers['x-amz-target'];
    if (method === 'POST' && path === '/' && typeof target === 'string') return r.sqs(target, body);
    const invoke = INVOKE_PATH.exec(path);
    if (invoke && method === 'POST') {
      const type = req.headers['x-amz-invocation-type'];
      return r.lambda({ functionName: invoke[1]!, body, invocationType: typeof type === 'string' ? type : undefined });
    }
    if (path === '/events' && method === 'POST') return publish(r, body);
    if (path === '/health' && method === 'GET') return jsonReply(200, r.health());
    if (path === '/notifications' && method === 'GET') return jsonReply(200, r.notifications());
    return jsonReply(404, {
      message: `no local endpoint for ${method} ${path}; try POST /events, GET /health, GET /notifications, the SQS API (POST / with x-amz-target) or POST /2015-03-31/functions/{name}/invocations`,
    });
  }

  /** Any non-empty body SQS would take is accepted: ingest decides what is a valid event (else DLQ). */
  function publish(r: Routes, body: string): HttpReply {
    try {
      checkBody(body, 'the request body');
      checkSize(body, {});
    } catch (error) {
      if (error instanceof SqsError) return jsonReply(400, { message: error.message });
      throw error;
    }
    return jsonReply(202, { messageId: r.publish(body) });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;

  return {
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    setRoutes(r) {
      routes = r;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
      await closed;
      clearTimeout(force);
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
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
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
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
