// Status changes made by the service itself (not by support): disabling a subscription whose
// receiver answered 410 Gone or that has failed for days.
import type { SubscriptionRepository } from './ports';
import { ConflictError } from './errors';
import type { DisabledReason, Subscription } from './types';

/**
 * Disables an active subscription with a read-modify-write that a concurrent change cannot undo.
 * `when` checks the reason still holds on the stored subscription (the caller may have decided on a
 * cached copy). Returns the disabled subscription, or undefined when there was nothing to do.
 */
export async function disableSubscription(
  repository: Pick<SubscriptionRepository, 'get' | 'put'>,
  id: string,
  reason: DisabledReason,
  now: Date,
  when: (current: Subscription) => boolean = () => true,
): Promise<Subscription | undefined> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const current = await repository.get(id);
    if (!current || current.status !== 'active' || !when(current)) return undefined;
    const next: Subscription = { ...current, status: 'disabled', disabledReason: reason, updatedAt: now.toISOString() };
    try {
      await repository.put(next, { expectedUpdatedAt: current.updatedAt });
      return next;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
  }
  throw new ConflictError(`subscription ${id} kept changing; could not disable it`);
}
