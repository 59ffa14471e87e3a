// Sends one webhook POST and reports what happened, never throwing for anything the receiver or the
// network does: the sender turns every HttpResult into a recorded attempt.
import { isIP } from 'node:net';
import { Agent, request, type Dispatcher } from 'undici';
import type { HttpResult, WebhookClient, WebhookRequest } from '../../domain/ports';
import { describeError, errorCodeOf } from './error-text';
import { createGuardedLookup, type Resolver } from './guarded-lookup';
import { readExcerpt } from './read-excerpt';
import { classifyAddress, findBlockedError, WebhookTargetBlockedError, type Cidr } from './target-guard';

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
  /** Bytes of the response body kept in the result. */
  excerptBytes?: number;
  /** Bodies up to this size are drained so the connection can be reused; larger ones are cut off. */
  drainLimitBytes?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 4_000;
const DEFAULT_EXCERPT_BYTES = 4_096;
const DEFAULT_DRAIN_LIMIT_BYTES = 1024 * 1024;

/**
 * undici's header and body timers are fast timers that tick every ~0.5 s and count from the tick
 * before they were set, so they can fire up to half a second early. As backstops they are set this
 * far behind our own (precise) timer, so that they never cut an attempt short.
 */
const UNDICI_BACKSTOP_MARGIN_MS = 1_000;

/** undici's own timers (backstops behind ours) report with these codes. */
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export class UndiciWebhookClient implements WebhookClient {
  private readonly agent: Dispatcher;
  private readonly allowlist: readonly Cidr[] | undefined;
  private readonly excerptBytes: number;
  private readonly drainLimitBytes: number;

  constructor(options: UndiciWebhookClientOptions = {}) {
    const { guard } = options;
    if (guard && options.agent) {
      // The guard lives in the Agent's connector; an injected dispatcher would silently bypass it.
      throw new TypeError('UndiciWebhookClient: pass either `guard` or `agent`, not both');
    }
    this.allowlist = guard?.allowlist;
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
    this.excerptBytes = options.excerptBytes ?? DEFAULT_EXCERPT_BYTES;
    this.drainLimitBytes = options.drainLimitBytes ?? DEFAULT_DRAIN_LIMIT_BYTES;
  }

  async post(webhook: WebhookRequest): Promise<HttpResult> {
    const { timeoutMs } = webhook;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new RangeError(`timeoutMs must be a positive number, got ${timeoutMs}`);
    }
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);

    const refused = this.refusedLiteral(webhook.url);
    if (refused) return blocked(refused, elapsed());

    // One timer for the whole exchange: undici's per-phase timeouts would each allow the full limit
    // (and its coarse timers fire early or late), while the promise is "the whole response within timeoutMs".
    const controller = new AbortController();
    let timedOut = false;
    let phase: 'headers' | 'body' = 'headers';
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('webhook attempt timed out'));
    }, timeoutMs);

    try {
      const options = {
        dispatcher: this.agent,
        method: 'POST' as const,
        headers: webhook.headers,
        body: webhook.body,
        signal: controller.signal,
        headersTimeout: timeoutMs + UNDICI_BACKSTOP_MARGIN_MS,
        bodyTimeout: timeoutMs + UNDICI_BACKSTOP_MARGIN_MS,
        // Not in undici 7's types, but honoured: it switches off a redirect interceptor that an
        // injected dispatcher might carry. Redirects must never be followed.
        maxRedirections: 0,
      };
      const response = await request(webhook.url, options);
      phase = 'body';
      const body = await readExcerpt(response.body, {
        excerptBytes: this.excerptBytes,
        drainLimitBytes: this.drainLimitBytes,
      });
      const durationMs = elapsed();
      // undici hands a kept-alive socket to the next request only one event-loop turn after the
      // response ended; without this yield a post issued right after this one opens a new connection.
      await new Promise((resolve) => setImmediate(resolve));
      return {
        kind: 'response',
        statusCode: response.statusCode,
        headers: flattenHeaders(response.headers),
        body,
        durationMs,
      };
    } catch (error) {
      const refusal = findBlockedError(error);
      if (refusal) return blocked(refusal, elapsed());
      const code = errorCodeOf(error);
      if (timedOut || (code !== undefined && TIMEOUT_CODES.has(code))) {
        return {
          kind: 'timeout',
          durationMs: elapsed(),
          error: `no complete response within ${timeoutMs} ms (waiting for the response ${phase})`,
        };
      }
      return {
        kind: 'network',
        durationMs: elapsed(),
        error: describeError(error, webhook),
        ...(code === undefined ? {} : { code }),
      };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Node's net.connect dials an IP-literal host without calling `lookup`, so the guard checks those
   * here, before anything is sent. Unparseable URLs are left to undici, which reports them as before.
   */
  private refusedLiteral(url: string): WebhookTargetBlockedError | undefined {
    if (this.allowlist === undefined) return undefined;
    let hostname: string;
    try {
      hostname = new URL(url).hostname;
    } catch {
      return undefined;
    }
    // The URL parser has already canonicalised literals ('0x7f.1' -> '127.0.0.1', IPv6 in brackets).
    const literal = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
    if (isIP(literal) === 0) return undefined;
    const { allowed, range } = classifyAddress(literal, this.allowlist);
    return allowed ? undefined : new WebhookTargetBlockedError(literal, range);
  }

  /** Closes the dispatcher this client sends through, the injected one included. */
  async close(): Promise<void> {
    await this.agent.close();
  }
}

function blocked(refusal: WebhookTargetBlockedError, durationMs: number): HttpResult {
  // The text is built from the address and its class only, never from the URL, so it holds no secret
  // (and scrubbing URL fragments from it would only mangle words such as "webhook").
  return { kind: 'blocked', durationMs, error: refusal.message };
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
