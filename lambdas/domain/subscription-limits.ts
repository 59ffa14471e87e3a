// How hard the service may push one receiver: the most POSTs in flight at once and, optionally, the
// most POSTs per second, each over every sender instance together (limit-gate.ts enforces them).
import * as z from 'zod';
import type { Subscription } from './types';

/**
 * Ten requests in flight: a small receiver (one process with a handful of workers, or a serverless
 * function with a low concurrency cap) is not flooded by a resend or a burst, while a receiver
 * answering in 100 ms still takes 100 deliveries per second. Support raises it for big receivers.
 */
export const DEFAULT_MAX_CONCURRENCY = 10;
export const MAX_CONCURRENCY_CAP = 100;
/**
 * Whole requests per second: "at most N in any one-second window" is what a receiver can check, and
 * what the limit gate keeps.
 */
export const RATE_LIMIT_MIN = 1;
export const RATE_LIMIT_CAP = 1000;

export interface SubscriptionLimits {
  maxConcurrency: number;
  /** Absent: no rate limit. */
  rateLimit?: number;
}

export function limitsOf(subscription: Pick<Subscription, 'maxConcurrency' | 'rateLimit'>): SubscriptionLimits {
  const maxConcurrency = subscription.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
  return subscription.rateLimit === undefined ? { maxConcurrency } : { maxConcurrency, rateLimit: subscription.rateLimit };
}

export const maxConcurrencyInput = z
  .number({ message: `must be a whole number from 1 to ${MAX_CONCURRENCY_CAP}` })
  .int(`must be a whole number from 1 to ${MAX_CONCURRENCY_CAP}`)
  .min(1, `must be a whole number from 1 to ${MAX_CONCURRENCY_CAP}`)
  .max(MAX_CONCURRENCY_CAP, `must be a whole number from 1 to ${MAX_CONCURRENCY_CAP}`);

export const rateLimitInput = z
  .number({ message: `must be a whole number of requests per second from ${RATE_LIMIT_MIN} to ${RATE_LIMIT_CAP}` })
  .int(`must be a whole number of requests per second from ${RATE_LIMIT_MIN} to ${RATE_LIMIT_CAP}`)
  .min(RATE_LIMIT_MIN, `must be a whole number of requests per second from ${RATE_LIMIT_MIN} to ${RATE_LIMIT_CAP}`)
  .max(RATE_LIMIT_CAP, `must be a whole number of requests per second from ${RATE_LIMIT_MIN} to ${RATE_LIMIT_CAP}`);
