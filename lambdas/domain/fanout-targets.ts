// The subscriptions an event fans out to: active ones get a pending delivery, disabled ones a paused
// one (kept, so a resend by time window can replay what they missed). Ingest reads them for every
// batch; a short cache spares the table two queries per batch. A subscription created, disabled or
// enabled takes effect within the cache time.
import type { Clock, SubscriptionRepository } from './ports';
import type { Subscription } from './types';

export class FanoutTargets {
  private cached?: { at: number; subscriptions: Subscription[] };

  constructor(
    private readonly repository: Pick<SubscriptionRepository, 'listByStatus'>,
    private readonly clock: Clock,
    private readonly maxAgeMs: number,
  ) {}

  async list(): Promise<Subscription[]> {
    const now = this.clock.now().getTime();
    if (this.cached && now - this.cached.at < this.maxAgeMs) return this.cached.subscriptions;
    const [active, disabled] = await Promise.all([this.repository.listByStatus('active'), this.repository.listByStatus('disabled')]);
    const subscriptions = [...active, ...disabled];
    this.cached = { at: now, subscriptions };
    return subscriptions;
  }
}

/** Whether a subscription wants events of this type: no filter means every type. */
export function wantsEventType(subscription: Pick<Subscription, 'eventTypes'>, type: string): boolean {
  return subscription.eventTypes === undefined || subscription.eventTypes.includes(type);
}
