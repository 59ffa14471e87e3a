// Turns what the HTTP client saw into the outcome recorded in the attempt log. Only a 2xx counts:
// redirects are not followed and count as failures like any other status.
import type { HttpResult } from './ports';
import type { AttemptOutcome } from './types';

export const RESPONSE_EXCERPT_BYTES = 4096;

export interface ClassifiedAttempt {
  outcome: AttemptOutcome;
  statusCode?: number;
  error?: string;
  responseBody?: string;
  durationMs: number;
}

export function classifyAttempt(result: HttpResult): ClassifiedAttempt {
  const durationMs = Math.round(result.durationMs);
  switch (result.kind) {
    case 'response': {
      const { statusCode } = result;
      const responseBody = result.body === '' ? undefined : result.body;
      if (statusCode >= 200 && statusCode < 300) return { outcome: 'delivered', statusCode, responseBody, durationMs };
      return { outcome: 'http_status', statusCode, error: statusError(statusCode), responseBody, durationMs };
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
