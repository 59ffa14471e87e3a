// Sends one webhook POST and reports what happened, never throwing for anything the receiver or the
// network does: the sender turns every HttpResult into a recorded attempt.
import type { Dispatcher } from 'undici';
import { RESPONSE_READ_BYTES } from '../../domain/attempt-outcome';
import type { HttpResult, WebhookClient, WebhookRequest } from '../../domain/ports';
import { blocked, Exchange, type ExchangeLimits } from './exchange';
import { createGuardedLookup, type Resolver } from './guarded-lookup';
import { invalidTargetError, TargetCache } from './target-cache';
import type { Cidr } from './target-guard';
// Not from 'undici': its index costs the sender's bundle ~240 KB and its cold start the loading (see undici-core).
import { Agent } from './undici-core';

export interface WebhookTargetGuard {
  /** Ranges let through although not public unicast (e.g. 127.0.0.0/8 and ::1/128 for local runs). */
  allowlist: readonly Cidr[];
  /** How host names are resolved. Default: the system resolver (dns.lookup); tests inject their own. */
  resolve?: Resolver;
}

export interface UndiciWebhookClientOptions {
  /** Dispatcher to send through. Default: an Agent made here. Not combinable with `guard`. */
  agent?: Dispatcher;
  /**
   * SSRF guard: only public unicast addresses (plus the allowlist) are connected to; anything else is
   * reported as `blocked` without a connection. Without it every address is reachable.
   */
  guard?: WebhookTargetGuard;
  /**
   * Connect timeout of the Agent made here. Each request's `timeoutMs` still bounds the whole
   * attempt, connect included, so this only matters when it is the smaller of the two.
   */
  connectTimeoutMs?: number;
  /** How long an idle keep-alive connection of the Agent made here stays open. */
  keepAliveTimeoutMs?: number;
  /** Bytes of the response body kept in the result (the sender scrubs them, then cuts its excerpt). */
  excerptBytes?: number;
  /** Bodies up to this size are drained so the connection can be reused; larger ones are cut off. */
  drainLimitBytes?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 4_000;
const DEFAULT_DRAIN_LIMIT_BYTES = 1024 * 1024;

/**
 * undici's header and body timers are fast timers that tick every ~0.5 s and count from the tick
 * before they were set, so they can fire up to half a second early. As backstops they are set this
 * far behind our own (precise) timer, so that they never cut an attempt short.
 */
const UNDICI_BACKSTOP_MARGIN_MS = 1_000;

export class UndiciWebhookClient implements WebhookClient {
  private readonly agent: Dispatcher;
  private readonly targets: TargetCache;
  private readonly limits: ExchangeLimits;

  constructor(options: UndiciWebhookClientOptions = {}) {
    const { guard } = options;
    if (guard && options.agent) {
      // The guard lives in the Agent's connector; an injected dispatcher would silently bypass it.
      throw new TypeError('UndiciWebhookClient: pass either `guard` or `agent`, not both');
    }
    this.targets = new TargetCache(guard?.allowlist);
    this.agent =
      options.agent ??
      new Agent({
        connect: {
          timeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
          // Sockets resolve host names through the guard and dial the very address it approved.
          ...(guard ? { lookup: createGuardedLookup(guard.allowlist, guard.resolve) } : {}),
        },
        keepAliveTimeout: options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
      });
    this.limits = {
      excerptBytes: options.excerptBytes ?? RESPONSE_READ_BYTES,
      drainLimitBytes: options.drainLimitBytes ?? DEFAULT_DRAIN_LIMIT_BYTES,
    };
  }

  post(webhook: WebhookRequest): Promise<HttpResult> {
    const { timeoutMs } = webhook;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      return Promise.reject(new RangeError(`timeoutMs must be a positive number, got ${timeoutMs}`));
    }
    const started = performance.now();
    const target = this.targets.get(webhook.url);
    if (target.kind === 'refused') return Promise.resolve(blocked(target.refusal, Math.round(performance.now() - started)));
    const exchange = new Exchange(webhook, this.limits, started);
    if (target.kind === 'invalid') {
      exchange.onResponseError(undefined, invalidTargetError(target));
      return exchange.result;
    }
    const options = {
      origin: target.origin,
      path: target.path,
      method: 'POST' as const,
      headers: webhook.headers,
      body: webhook.body,
      // Backstops only: the exchange's own timer bounds the whole response.
      headersTimeout: timeoutMs + UNDICI_BACKSTOP_MARGIN_MS,
      bodyTimeout: timeoutMs + UNDICI_BACKSTOP_MARGIN_MS,
      // Not in undici 7's types, but honoured: it switches off a redirect interceptor that an
      // injected dispatcher might carry. Redirects must never be followed.
      maxRedirections: 0,
    };
    // Errors, synchronous ones included (a header value undici refuses), arrive at the exchange.
    this.agent.dispatch(options, exchange);
    return exchange.result;
  }

  /** Closes the dispatcher this client sends through, the injected one included. */
  async close(): Promise<void> {
    await this.agent.close();
  }
}
