// A keep-alive HTTP/1.1 sink on 127.0.0.1 that answers every request 200 with an empty body as soon
// as the request has arrived. Hand-parsed on a plain TCP server: node:http would cost several times
// more per request, and the sink must not be what limits the client measured against it.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

const RESPONSE = Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 0\r\nkeep-alive: timeout=30\r\n\r\n', 'latin1');
const HEADER_END = Buffer.from('\r\n\r\n', 'latin1');
/** Requests larger than this are a client bug here; the connection is dropped. */
const MAX_REQUEST_BYTES = 1024 * 1024;

export interface SinkStats {
  requests: number;
  connections: number;
}

export interface Sink {
  port: number;
  stats(): SinkStats;
  close(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  const stats: SinkStats = { requests: 0, connections: 0 };
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    stats.connections += 1;
    sockets.add(socket);
    socket.setNoDelay(true);
    let buffered: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      let answered = 0;
      for (;;) {
        const end = buffered.indexOf(HEADER_END);
        if (end < 0) break;
        const head = buffered.subarray(0, end).toString('latin1');
        if (/\r\ntransfer-encoding:/i.test(head)) {
          socket.destroy(new Error('chunked requests are not supported by the sink'));
          return;
        }
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? '0');
        const total = end + HEADER_END.length + length;
        if (buffered.length < total) break;
        buffered = buffered.subarray(total);
        answered += 1;
      }
      if (buffered.length > MAX_REQUEST_BYTES) socket.destroy();
      if (answered === 0) return;
      stats.requests += answered;
      socket.write(answered === 1 ? RESPONSE : Buffer.concat(Array.from({ length: answered }, () => RESPONSE)));
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    stats: () => ({ ...stats }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
