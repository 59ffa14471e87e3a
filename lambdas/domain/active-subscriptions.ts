// Ingest reads the active subscriptions for every batch; a short cache spares the table a query per
// batch. A subscription created or disabled takes effect within the cache time.
import type { Clock, SubscriptionRepository } from './ports';
import type { Subscription } from './types';

export class ActiveSubscriptions {
  private cached?: { at: number; subscriptions: Subscription[] };

  constructor(
    private readonly repository: Pick<SubscriptionRepository, 'listByStatus'>,
    private readonly clock: Clock,
    private readonly maxAgeMs: number,
  ) {}

  async list(): Promise<Subscription[]> {
    const now = this.clock.now().getTime();
    if (this.cached && now - this.cached.at < this.maxAgeMs) return this.cached.subscriptions;
    const subscriptions = await this.repository.listByStatus('active');
    this.cached = { at: now, subscriptions };
    return subscriptions;
  }
}

/** Whether a subscription wants events of this type: no filter means every type. */
export function wantsEventType(subscription: Pick<Subscription, 'eventTypes'>, type: string): boolean {
  return subscription.eventTypes === undefined || subscription.eventTypes.includes(type);
}
