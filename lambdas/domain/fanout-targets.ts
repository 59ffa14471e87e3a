// The subscriptions an event fans out to: active ones get a pending delivery, disabled ones a paused
// one (kept, so a resend by time window can replay what they missed). Ingest reads them for every
// batch through a cache kept while the subscriptions' version stays the same: the version is one
// strongly consistent read per batch, so a subscription created, disabled, enabled or deleted
// applies to the next batch.
import type { Clock, SubscriptionRepository } from './ports';
import type { FanoutTarget } from './types';

/**
 * The list comes from the `byStatus` index, which DynamoDB updates a moment after the table
 * (usually well under a second). A list read within this time of noticing a new version may still
 * miss that change, so it serves its batch but is not kept.
 */
export const INDEX_SETTLE_MS = 5_000;

export class FanoutTargets {
  private cached?: { version: number; at: number; targets: FanoutTarget[] };
  /** The newest version seen and when this instance first saw it (no earlier than the write). */
  private seen?: { version: number; at: number };

  constructor(
    private readonly repository: Pick<SubscriptionRepository, 'listTargets' | 'version'>,
    private readonly clock: Clock,
    /** How long a list is kept at most, version unchanged or not (0: never). */
    private readonly maxAgeMs: number,
  ) {}

  async list(): Promise<FanoutTarget[]> {
    if (this.maxAgeMs <= 0) return this.read();
    const version = await this.repository.version();
    const now = this.clock.now().getTime();
    if (this.seen?.version !== version) this.seen = { version, at: now };
    const { cached } = this;
    if (cached && cached.version === version && now - cached.at < this.maxAgeMs) return cached.targets;
    const targets = await this.read();
    const settled = now - this.seen.at >= INDEX_SETTLE_MS;
    this.cached = settled ? { version, at: now, targets } : undefined;
    return targets;
  }

  private async read(): Promise<FanoutTarget[]> {
    const [active, disabled] = await Promise.all([this.repository.listTargets('active'), this.repository.listTargets('disabled')]);
    return [...active, ...disabled];
  }
}

/** Whether a subscription wants events of this type: no filter means every type. */
export function wantsEventType(subscription: Pick<FanoutTarget, 'eventTypes'>, type: string): boolean {
  return subscription.eventTypes === undefined || subscription.eventTypes.includes(type);
}
