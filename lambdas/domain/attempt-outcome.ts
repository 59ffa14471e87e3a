// Turns what the HTTP client saw into the outcome recorded in the attempt log. Only a 2xx counts:
// redirects are not followed and count as failures like any other status.
import type { HttpResult } from './ports';
import type { AttemptOutcome } from './types';

/** The start of a response body kept in the attempt log. */
export const RESPONSE_EXCERPT_BYTES = 4096;
/**
 * What the client keeps of a response body: the excerpt plus room for the longest encoded secret
 * (a 2,048-character URL, percent-encoded, is at most 6 KiB), so the sender scrubs the body before
 * it cuts the excerpt and no secret straddling the cut survives in part.
 */
export const RESPONSE_READ_BYTES = RESPONSE_EXCERPT_BYTES + 8192;

export interface ClassifiedAttempt {
  outcome: AttemptOutcome;
  statusCode?: number;
  error?: string;
  responseBody?: string;
  durationMs: number;
  /** The receiver's Retry-After on a 429 or 503, in ms from `now`. */
  retryAfterMs?: number;
}

/** Statuses whose Retry-After is honoured: the receiver is asking for time. */
const RETRY_AFTER_STATUSES = new Set([429, 503]);

export function classifyAttempt(result: HttpResult, now: Date = new Date()): ClassifiedAttempt {
  const durationMs = Math.round(result.durationMs);
  switch (result.kind) {
    case 'response': {
      const { statusCode } = result;
      const responseBody = result.body === '' ? undefined : result.body;
      if (statusCode >= 200 && statusCode < 300) return { outcome: 'delivered', statusCode, responseBody, durationMs };
      const failed: ClassifiedAttempt = { outcome: 'http_status', statusCode, error: statusError(statusCode), responseBody, durationMs };
      if (RETRY_AFTER_STATUSES.has(statusCode)) {
        const retryAfterMs = parseRetryAfter(result.headers['retry-after'], now);
        if (retryAfterMs !== undefined) failed.retryAfterMs = retryAfterMs;
      }
      return failed;
    }
    case 'timeout':
    case 'network':
    case 'blocked':
      return { outcome: result.kind, error: result.error, durationMs };
  }
}

function statusError(statusCode: number): string {
  if (statusCode >= 300 && statusCode < 400) return `HTTP ${statusCode}: redirect not followed (only a 2xx counts as delivered)`;
  return `HTTP ${statusCode}`;
}

/** Retry-After is delay-seconds or an HTTP-date (RFC 9110 10.2.3); anything else is ignored. */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at) || !/[a-z]/i.test(text)) return undefined;
  return Math.max(0, at - now.getTime());
}
