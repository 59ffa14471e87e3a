// A real HTTP receiver on 127.0.0.1 for tests: records every request and answers as told, including
// the awkward cases (slow headers, slow body, dropped socket) that a webhook target can produce.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';

export interface ReceivedRequest {
  method: string;
  /** Path including the query string, as sent on the request line. */
  path: string;
  /** Lowercased names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  /** Name, value, name, value, ... as they came: also headers Node's object would drop (`__proto__`). */
  rawHeaders: string[];
  body: Buffer;
  /** Date.now() when the whole body had arrived. */
  receivedAt: number;
  /** Per-receiver number of the TCP connection the request came on (1, 2, ...). */
  socketId: number;
  /** Client-side port of that connection. */
  remotePort: number;
}

export interface Reply {
  /** Default 200. */
  status?: number;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  /** Wait this long before sending anything. */
  delayMs?: number;
  /** Send the headers at once, the body after this long. */
  bodyDelayMs?: number;
  /** Drop the connection instead of answering (after `delayMs`, if any). */
  destroy?: boolean;
}

/** `n` is the 1-based number of the request at this receiver. */
export type Responder = (req: ReceivedRequest, n: number) => Reply | Promise<Reply>;

export interface Receiver {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  port: number;
  requests: ReceivedRequest[];
  respondWith(fn: Responder): void;
  /** Resolves with the requests once at least `n` have arrived; rejects after `timeoutMs` (default 5000). */
  waitForRequests(n: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  /** Stops listening and drops open connections, so a test does not wait for keep-alive sockets. */
  close(): Promise<void>;
}

export async function startReceiver(respond: Responder = () => ({})): Promise<Receiver> {
  let responder = respond;
  const requests: ReceivedRequest[] = [];
  const waiters = new Set<() => void>();
  const timers = new Set<NodeJS.Timeout>();
  const socketIds = new WeakMap<Socket, number>();
  let sockets = 0;
  let closed = false;

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A responder bug must show up in the test, not hang it: answer 599 with the error.
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(599, { 'content-type': 'text/plain' }).end(String(error));
      } else {
        res.destroy();
      }
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets += 1;
    socketIds.set(socket, sockets);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const received: ReceivedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: flattenHeaders(req.headers),
      rawHeaders: [...req.rawHeaders],
      body: Buffer.concat(chunks),
      receivedAt: Date.now(),
      socketId: socketIds.get(req.socket) ?? 0,
      remotePort: req.socket.remotePort ?? 0,
    };
    requests.push(received);
    for (const wake of [...waiters]) wake();

    const reply = await responder(received, requests.length);
    if (reply.delayMs) await sleep(reply.delayMs);
    if (closed || res.destroyed) return;
    if (reply.destroy) {
      req.socket.destroy();
      return;
    }
    res.writeHead(reply.status ?? 200, reply.headers);
    if (reply.bodyDelayMs) {
      res.flushHeaders();
      await sleep(reply.bodyDelayMs);
      if (closed || res.destroyed) return;
    }
    res.end(reply.body ?? '');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    respondWith(fn) {
      responder = fn;
    },
    waitForRequests(n, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (requests.length < n) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(requests.slice());
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`receiver got ${requests.length} of ${n} requests within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await done;
    },
  };
}

/** A port on 127.0.0.1 with nothing listening (bound once to learn a free number, then released). */
export async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
