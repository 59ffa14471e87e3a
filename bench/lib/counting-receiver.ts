// A webhook receiver that measures what per-subscription limits promise, as a receiver would see
// them: requests in flight at once (from arrival to the end of the answer) and requests in any
// one-second window. Used by bench:limits and the limits end-to-end test.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CountingReceiver {
  /** `http://127.0.0.1:PORT`; any path is answered. */
  url: string;
  /** Arrival time (epoch ms) of each request, and its webhook-id. */
  arrivals: Array<{ at: number; id: string }>;
  mostInFlight(): number;
  close(): Promise<void>;
}

/** Answers 200 `answerMs` after each request's body has arrived. */
export async function countingReceiver(answerMs: number): Promise<CountingReceiver> {
  let inFlight = 0;
  let most = 0;
  const arrivals: CountingReceiver['arrivals'] = [];
  const server: Server = createServer((req, res) => {
    inFlight += 1;
    most = Math.max(most, inFlight);
    arrivals.push({ at: Date.now(), id: String(req.headers['webhook-id']) });
    req.resume();
    req.on('end', () =>
      setTimeout(() => {
        inFlight -= 1;
        res.end('ok');
      }, answerMs),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrivals,
    mostInFlight: () => most,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

/** The most of `times` (epoch ms) in any one-second window [t, t + 1 s). */
export function mostInOneSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i += 1) {
    while (sorted[i] - sorted[j] >= 1000) j += 1;
    most = Math.max(most, i - j + 1);
  }
  return most;
}
