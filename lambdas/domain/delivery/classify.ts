// Classify and scrub: what the receiver answered becomes the attempt the log keeps, with every
// secret of the subscription taken out of the error and the response excerpt.
import { classifyAttempt, RESPONSE_EXCERPT_BYTES } from '../attempt-outcome';
import { scrub, scrubbedExcerpt, secretsOf } from '../redaction';
import type { AttemptTrigger, Delivery } from '../types';
import type { Classified, Posted } from './steps';

export function classifyAndScrub(posted: Posted): Classified {
  const { delivery, wakeup, result, startedAt, endedAt, ...ready } = posted;
  const classified = classifyAttempt(result, endedAt);
  const secrets = secretsOf(ready.subscription);
  const attempt = {
    deliveryId: delivery.deliveryId,
    number: wakeup.attempt,
    trigger: triggerOf(delivery),
    startedAt: startedAt.toISOString(),
    durationMs: classified.durationMs,
    outcome: classified.outcome,
    statusCode: classified.statusCode,
    error: classified.error === undefined ? undefined : scrub(classified.error, secrets),
    // Scrubbed before it is cut, so no secret straddling the cut survives in part.
    responseBody:
      classified.responseBody === undefined ? undefined : scrubbedExcerpt(classified.responseBody, secrets, RESPONSE_EXCERPT_BYTES),
  };
  return { ...ready, delivery, wakeup, attempt, endedAt, retryAfterMs: classified.retryAfterMs };
}

function triggerOf(delivery: Delivery): AttemptTrigger {
  return delivery.nextTrigger ?? (delivery.attemptCount === 1 ? 'initial' : 'retry');
}
