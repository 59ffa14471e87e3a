// One webhook POST as undici's dispatcher sees it: a handler that receives the response as callbacks
// and settles into an HttpResult exactly once. undici's request() would wrap the same callbacks in an
// AbortSignal listener, an async resource and a response stream per request, then we would read that
// stream back with an async iterator: together a measurable share of a delivery's CPU.
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { HttpResult, WebhookRequest } from '../../domain/ports';
import { BodyExcerpt } from './body-excerpt';
import { describeError, errorCodeOf } from './error-text';
import { findBlockedError, type WebhookTargetBlockedError } from './target-guard';

export interface ExchangeLimits {
  /** Bytes of the body kept as text. */
  excerptBytes: number;
  /** Past this many bytes the body is abandoned (the connection goes with it) instead of drained. */
  drainLimitBytes: number;
}

/** undici's own timers (backstops behind ours) report with these codes. */
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export class Exchange implements Dispatcher.DispatchHandler {
  readonly result: Promise<HttpResult>;
  private resolve!: (result: HttpResult) => void;
  private settled = false;
  private controller: Dispatcher.DispatchController | undefined;
  private statusCode = 0;
  private headers: IncomingHttpHeaders = {};
  private readonly excerpt: BodyExcerpt;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly webhook: WebhookRequest,
    private readonly limits: ExchangeLimits,
    private readonly started: number,
  ) {
    this.result = new Promise<HttpResult>((resolve) => {
      this.resolve = resolve;
    });
    this.excerpt = new BodyExcerpt(limits.excerptBytes);
    // One timer for the whole exchange: undici's per-phase timeouts would each allow the full limit
    // (and its coarse timers fire early or late), while the promise is "the whole response within timeoutMs".
    this.timer = setTimeout(timeOut, webhook.timeoutMs, this);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    // Called again if undici retries the request on a fresh socket: the latest controller is the live one.
    this.controller = controller;
    if (this.settled) controller.abort(new Error('webhook attempt timed out'));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // 1xx informational responses come before the real one.
    if (statusCode < 200) return;
    this.statusCode = statusCode;
    this.headers = headers;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.excerpt.add(chunk);
    if (this.excerpt.totalBytes <= this.limits.drainLimitBytes) return;
    // A huge body costs one connection, not the whole timeout: answer with what we have, drop the rest.
    this.settle(this.response());
    controller.abort(new Error('response body past the drain limit; connection dropped'));
    controller.pause();
  }

  onResponseEnd(): void {
    clearTimeout(this.timer);
    const response = this.response();
    // undici hands a kept-alive socket to the next request one event-loop turn after the response
    // ended (an immediate it schedules right after this callback returns). Settling after that turn
    // lets a post issued right after this one reuse the socket instead of opening a new connection;
    // the microtask puts our immediate behind undici's.
    queueMicrotask(() => setImmediate(settleLater, this, response));
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    if (this.settled) return;
    const refusal = findBlockedError(error);
    if (refusal) return this.settle(blocked(refusal, this.elapsed()));
    const code = errorCodeOf(error);
    if (code !== undefined && TIMEOUT_CODES.has(code)) return this.settle(this.timeout());
    this.settle({
      kind: 'network',
      durationMs: this.elapsed(),
      error: describeError(error, this.webhook),
      ...(code === undefined ? {} : { code }),
    });
  }

  /** The whole-response limit passed: settle now, and stop the request wherever it is. */
  onTimeout(): void {
    if (this.settled) return;
    this.settle(this.timeout());
    // Before onRequestStart there is nothing to abort yet; it aborts on arrival (settled is set).
    this.controller?.abort(new Error('webhook attempt timed out'));
  }

  settle(result: HttpResult): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.resolve(result);
  }

  private response(): HttpResult {
    return {
      kind: 'response',
      statusCode: this.statusCode,
      headers: flattenHeaders(this.headers),
      body: this.excerpt.text(),
      durationMs: this.elapsed(),
    };
  }

  private timeout(): HttpResult {
    const phase = this.statusCode === 0 ? 'headers' : 'body';
    return {
      kind: 'timeout',
      durationMs: this.elapsed(),
      error: `no complete response within ${this.webhook.timeoutMs} ms (waiting for the response ${phase})`,
    };
  }

  private elapsed(): number {
    return Math.round(performance.now() - this.started);
  }
}

export function blocked(refusal: WebhookTargetBlockedError, durationMs: number): HttpResult {
  // The text is built from the address and its class only, never from the URL, so it holds no secret
  // (and scrubbing URL fragments from it would only mangle words such as "webhook").
  return { kind: 'blocked', durationMs, error: refusal.message };
}

// Module-level callbacks with the exchange as argument: no closure allocated per request.
function timeOut(exchange: Exchange): void {
  exchange.onTimeout();
}

function settleLater(exchange: Exchange, result: HttpResult): void {
  exchange.settle(result);
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
