// The sender looks up the subscription of every delivery; a cache spares the table most reads. The
// sender checks the subscriptions' version once per batch (`refresh`): any subscription write since
// the last check (create, update, disable, delete, a health change) empties the cache, so a change
// applies from the next attempt on. `maxAgeMs` bounds the cache when no version could be read
// (0: no cache at all). Batches that ask at the same moment share one read: where one instance
// runs many small batches at once (the local runtime hands records out one by one), that is one
// read per moment, not one per delivery.
import { coalesced } from './coalesce';
import type { Clock, SubscriptionRepository } from './ports';
import type { Subscription } from './types';

export class SubscriptionLookup {
  private readonly cache = new Map<string, { at: number; subscription: Subscription | undefined }>();
  /** The version the cache holds; undefined until read, and after a failed read (then nothing is cached). */
  private version: number | undefined;

  constructor(
    private readonly repository: Pick<SubscriptionRepository, 'get' | 'version'>,
    private readonly clock: Clock,
    private readonly maxAgeMs: number,
  ) {}

  /**
   * One read for the refreshes asked for together. A refresh asked while a read is under way waits
   * for the next one, which starts after it: no batch takes a version read before it asked.
   */
  private readonly readVersion = coalesced(async (_key: string, requests: null[]) => {
    const version = await this.repository.version();
    return requests.map(() => version);
  });

  /** Once per batch, before its lookups: one strongly consistent read of the version. */
  async refresh(): Promise<void> {
    if (this.maxAgeMs <= 0) return;
    let version: number | undefined;
    try {
      version = await this.readVersion('version', null);
    } catch {
      // Unknown: every lookup reads the table until a version is read again.
    }
    if (version === undefined || version !== this.version) this.cache.clear();
    this.version = version;
  }

  async get(id: string): Promise<Subscription | undefined> {
    const now = this.clock.now().getTime();
    const hit = this.cache.get(id);
    if (hit && now - hit.at < this.maxAgeMs) return hit.subscription;
    const version = this.version;
    const subscription = await this.repository.get(id);
    // Kept only if no other batch saw a newer version meanwhile: the read may predate that change.
    if (version !== undefined && version === this.version) this.cache.set(id, { at: now, subscription });
    return subscription;
  }

  forget(id: string): void {
    this.cache.delete(id);
  }
}
