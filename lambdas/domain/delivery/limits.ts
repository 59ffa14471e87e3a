// Post within limits: the POST goes out only with a permit of the subscription's limit gate (a
// concurrency slot, and a send time when it has a rate limit), held until the POST ends. Without one
// soon, the claimed attempt is deferred, not made: handed back and woken again later.
import { deferDelivery, type DeferDeps } from '../deferral';
import { postAttempt } from './post';
import { stop, type Posted, type Ready, type SendDeps, type Stop } from './steps';
import { carriedEvent } from '../wakeup-plan';

type LimitDeps = DeferDeps &
  Pick<SendDeps, 'webhook' | 'userAgent' | 'attemptTimeoutMs' | 'limits' | 'circuits' | 'circuitPolicy' | 'subscriptions'>;

export async function postWithinLimits(deps: LimitDeps, ready: Ready): Promise<Posted | Stop> {
  if (!deps.limits) return postAttempt(deps, ready);
  const admission = await deps.limits.admit(ready.subscription);
  if (admission.kind === 'defer') {
    const deferred = await deferDelivery(deps, ready.delivery, admission.until, admission.reason, { event: carriedEvent(ready.event) });
    if (deferred.kind === 'deferred') return stop({ kind: 'deferred', until: deferred.until, reason: admission.reason });
    return stop(deferred);
  }
  try {
    return await postAttempt(deps, ready);
  } finally {
    await admission.done();
  }
}
