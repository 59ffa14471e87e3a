// The raw baseline of the sender benchmark: one POST through undici's dispatch(), the API the
// product's webhook client uses (lambdas/adapters/http/exchange.ts), with nothing else: no guard, no
// timer, no excerpt, no signature. It settles one event-loop turn after the response ended, as the
// product does, so that the next POST reuses the kept-alive socket in both.
import type { IncomingHttpHeaders } from 'node:http';
import type { Agent, Dispatcher } from 'undici';

export interface RawResponse {
  statusCode: number;
  body: string;
}

class RawExchange implements Dispatcher.DispatchHandler {
  private statusCode = 0;
  private readonly chunks: Buffer[] = [];

  constructor(
    private readonly resolve: (response: RawResponse) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  /** undici tells the new handler API from the old one by this method. */
  onRequestStart(): void {}

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, _headers: IncomingHttpHeaders): void {
    this.statusCode = statusCode;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    const response = { statusCode: this.statusCode, body: Buffer.concat(this.chunks).toString('utf8') };
    queueMicrotask(() => setImmediate(this.resolve, response));
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    this.reject(error);
  }
}

/** POSTs `body` to `url` through `agent.dispatch`. */
export function rawPost(agent: Agent, url: URL, headers: Record<string, string>, body: string): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    agent.dispatch(
      { origin: url.origin, path: url.pathname + url.search, method: 'POST', headers, body },
      new RawExchange(resolve, reject),
    );
  });
}
