// The messages a local queue holds and has not handed out, kept by tenant, and the order a fair queue
// hands them out in. SQS makes a standard queue fair when its messages carry a MessageGroupId (the
// tenant; here the subscription): once one tenant holds a disproportionate share of the messages in
// flight, a receive takes the other tenants' messages first, so a backlog of one subscription does
// not hold up the others. Locally the rule applies at every receive: the next message comes from
// the tenant with the fewest messages in flight, oldest first among equals. A message without a
// group is a tenant of its own, as in SQS, and so never waits behind a busy one.
import { MinHeap } from './min-heap';

export interface WaitingMessage {
  id: string;
  visibleAt: number;
  /** Bumped by the queue on every (re)entry of a message: an item whose seq is older is stale. */
  seq: number;
  /** Ties on visibleAt go first-in, first-out (SQS promises no order; this just avoids surprises). */
  order: number;
}

interface Tenant {
  waiting: MinHeap<WaitingMessage>;
  inFlight: number;
}

/** The tenant of the messages that carry no group: each is a tenant of its own, so none counts as busy. */
const UNGROUPED = '';

const earlier = (a: WaitingMessage, b: WaitingMessage): boolean =>
  a.visibleAt < b.visibleAt || (a.visibleAt === b.visibleAt && a.order < b.order);

export class FairWaitingList {
  private readonly tenants = new Map<string, Tenant>();
  private pushes = 0;

  /** `isLive` tells an item of a message still waiting from one deleted, handed out or re-queued since. */
  constructor(private readonly isLive: (item: WaitingMessage) => boolean) {}

  push(group: string | undefined, message: Omit<WaitingMessage, 'order'>): void {
    this.tenant(group).waiting.push({ ...message, order: (this.pushes += 1) });
  }

  /** Removes and returns the message to hand out next at `now`, if one is visible. */
  takeNext(now: number): WaitingMessage | undefined {
    let best: { tenant: Tenant; top: WaitingMessage; busy: number } | undefined;
    for (const [group, tenant] of this.tenants) {
      const top = this.liveTop(group, tenant);
      if (!top || top.visibleAt > now) continue;
      const busy = group === UNGROUPED ? 0 : tenant.inFlight;
      if (!best || busy < best.busy || (busy === best.busy && earlier(top, best.top))) best = { tenant, top, busy };
    }
    best?.tenant.waiting.pop();
    return best?.top;
  }

  /** When the earliest waiting message becomes visible; undefined when none waits. */
  earliestVisibleAt(): number | undefined {
    let earliest: number | undefined;
    for (const [group, tenant] of this.tenants) {
      const top = this.liveTop(group, tenant);
      if (top && (earliest === undefined || top.visibleAt < earliest)) earliest = top.visibleAt;
    }
    return earliest;
  }

  /** A message of `group` was handed out. */
  started(group: string | undefined): void {
    this.tenant(group).inFlight += 1;
  }

  /** A message of `group` handed out earlier was deleted or released. */
  ended(group: string | undefined): void {
    const tenant = this.tenants.get(group ?? UNGROUPED);
    if (tenant && tenant.inFlight > 0) tenant.inFlight -= 1;
  }

  private tenant(group: string | undefined): Tenant {
    const key = group ?? UNGROUPED;
    let tenant = this.tenants.get(key);
    if (!tenant) {
      tenant = { waiting: new MinHeap(earlier), inFlight: 0 };
      this.tenants.set(key, tenant);
    }
    return tenant;
  }

  /** The tenant's next live item after dropping stale ones; forgets a tenant with nothing waiting or in flight. */
  private liveTop(group: string, tenant: Tenant): WaitingMessage | undefined {
    for (;;) {
      const top = tenant.waiting.peek();
      if (!top) {
        if (tenant.inFlight === 0) this.tenants.delete(group);
        return undefined;
      }
      if (this.isLive(top)) return top;
      tenant.waiting.pop();
    }
  }
}
