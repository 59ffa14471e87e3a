// The sender looks up the subscription of every delivery; a short cache spares the table most reads.
// A subscription changed or disabled takes effect within the cache time.
import type { Clock, SubscriptionRepository } from './ports';
import type { Subscription } from './types';

export class SubscriptionLookup {
  private readonly cache = new Map<string, { at: number; subscription: Subscription | undefined }>();

  constructor(
    private readonly repository: Pick<SubscriptionRepository, 'get'>,
    private readonly clock: Clock,
    private readonly maxAgeMs: number,
  ) {}

  async get(id: string): Promise<Subscription | undefined> {
    const now = this.clock.now().getTime();
    const hit = this.cache.get(id);
    if (hit && now - hit.at < this.maxAgeMs) return hit.subscription;
    const subscription = await this.repository.get(id);
    if (this.maxAgeMs > 0) this.cache.set(id, { at: now, subscription });
    return subscription;
  }

  forget(id: string): void {
    this.cache.delete(id);
  }
}
