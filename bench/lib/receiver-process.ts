// The end-to-end benchmark's webhook receivers, in a process of their own (the runtime under test
// has the other core): N listeners on 127.0.0.1 that record when each webhook-id arrives and answer
// 200, or 500 for the responses failsAttempt picks (or for the first BENCH_FAIL_FIRST of each id).
// Reports over IPC: progress, then everything.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { responseBody } from './event-sizes';
import { failsAttempt } from './failures';

interface Delivery {
  arrivals: number;
  /** Wall-clock ms (performance.timeOrigin based, sub-ms) of the first 2xx answer. */
  deliveredAt?: number;
  /** Requests that came after the 2xx (a delivery made twice). */
  afterSuccess: number;
}

const receivers = Number(process.env.BENCH_RECEIVERS ?? '2');
const failRate = Number(process.env.BENCH_FAIL_RATE ?? '0');
const seed = Number(process.env.BENCH_SEED ?? '0');
/** Alternatively: the first N responses to each webhook-id fail, the next succeeds (an outage). */
const failFirst = Number(process.env.BENCH_FAIL_FIRST ?? '0');
/** The body of every 2xx answer (the cost model's response sizes). */
const okBody = responseBody(Number(process.env.BENCH_RESPONSE_BYTES ?? '0'));
const okHeaders = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(okBody)) };

const deliveries = new Map<string, Delivery>();
let requests = 0;
let successes = 0;
let failures = 0;
/** Request bytes as sent on the wire (request line, headers, body): what leaves AWS per attempt. */
let bytes = 0;

const wallNow = (): number => performance.timeOrigin + performance.now();

function listen(): Promise<Server> {
  const server = createServer((req, res) => {
    let bodyBytes = 0;
    req.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
    req.on('end', () => {
      const at = wallNow();
      requests += 1;
      bytes += `${req.method} ${req.url} HTTP/1.1\r\n`.length + bodyBytes + 2;
      for (let i = 0; i < req.rawHeaders.length; i += 2) bytes += req.rawHeaders[i].length + 2 + req.rawHeaders[i + 1].length + 2;
      const id = String(req.headers['webhook-id'] ?? '');
      const entry = deliveries.get(id) ?? { arrivals: 0, afterSuccess: 0 };
      deliveries.set(id, entry);
      entry.arrivals += 1;
      if (entry.deliveredAt !== undefined) entry.afterSuccess += 1;
      if (entry.arrivals <= failFirst || failsAttempt(seed, id, entry.arrivals, failRate)) {
        failures += 1;
        res.writeHead(500, { 'content-length': '0' }).end();
        return;
      }
      if (entry.deliveredAt === undefined) {
        entry.deliveredAt = at;
        successes += 1;
      }
      res.writeHead(200, okHeaders).end(okBody);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('receiver-process must be forked (it reports over IPC)');
  const servers = await Promise.all(Array.from({ length: receivers }, listen));
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'progress') process.send!({ type: 'progress', requests, successes, failures, bytes });
    if (message.type === 'dump') process.send!({ type: 'dump', requests, successes, failures, bytes, deliveries: [...deliveries] });
  });
  process.on('disconnect', () => {
    for (const server of servers) server.closeAllConnections();
    void Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))).then(() => process.exit(0));
  });
  process.send({ type: 'ready', ports: servers.map((s) => (s.address() as AddressInfo).port) });
}

void main();
