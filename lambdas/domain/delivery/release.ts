// The release of the deliveries that waited behind a circuit, when it closes. Each delivery that
// began waiting behind it joined the circuit's wait list (circuit-gate.ts, `joinWaitList`); while the
// circuit stays open its own waits double, so it wakes a dozen times over a two-day outage instead
// of at every probe. The close must then wake them, or they would sleep on after the receiver is
// back: the closing sender releases the first page of the list, spread at the subscription's pace,
// and the last delivery of each page carries the release on in its wake-up, so the next page is
// released when that delivery comes due. A delivery whose wait ended meanwhile (attempted, resent,
// concluded) is left as it is by the release's condition. A release that is lost on the way (a
// failed write at the close, a wake-up redriven without it) leaves the rest to their own wake-ups,
// hours later at most (circuit.ts, LONGEST_CIRCUIT_WAIT_MS); after that long the release has nothing
// left to do and ends.
import { circuitOf, LONGEST_CIRCUIT_WAIT_MS } from '../circuit';
import { deliveryKeyOf } from '../delivery-id';
import { mapLimited } from '../map-limited';
import type { DeliveryWakeup, Subscription, WaitRelease } from '../types';
import { wakeAt } from '../wakeup-plan';
import type { SendDeps } from './steps';

type ReleaseDeps = Pick<SendDeps, 'waitList' | 'deliveries' | 'subscriptions' | 'wakeups' | 'scheduler' | 'clock' | 'log'>;

/** The pace of a release for a subscription without a rate limit: its concurrency limit still holds. */
export const RELEASE_PER_SECOND = 20;

/** Releases in flight at once within a page. */
const RELEASE_CONCURRENCY = 8;

/** Pages one call looks at when none of their deliveries still waits: a long run of them goes on in the next call. */
export const PAGES_PER_CALL = 4;

/**
 * Releases the next page of the wait list from `release` on (passing over up to PAGES_PER_CALL pages
 * none of whose deliveries still waits). The last released delivery carries the release on; when
 * none was released, `carrier` (the wake-up in hand) is woken again at once to carry it.
 */
export async function releaseWaiting(
  deps: ReleaseDeps,
  subscription: Subscription,
  release: WaitRelease,
  carrier: DeliveryWakeup,
): Promise<number> {
  const now = deps.clock.now();
  const gapMs = 1_000 / (subscription.rateLimit ?? RELEASE_PER_SECOND);
  let after = release.after;
  for (let pages = 1; ; pages += 1) {
    const page = await deps.waitList.page(subscription.id, release.openedAt, after);
    const released = await releasePage(deps, page.items, now, gapMs);
    const carryOn = page.cursor === undefined ? undefined : { ...release, after: page.cursor };
    if (released.length > 0 || !carryOn || pages === PAGES_PER_CALL) {
      // None released, but the list goes on: the wake-up in hand carries it, woken at once.
      const woken = released.length > 0 || !carryOn ? released : [{ wakeup: carrierOf(carrier), at: now }];
      await wakeReleased(deps, woken, carryOn, now);
      deps.log.info('deliveries released: their circuit closed', {
        subscriptionId: subscription.id,
        released: released.length,
        more: carryOn !== undefined,
      });
      return released.length;
    }
    after = page.cursor;
  }
}

/** The carrier's own attempt may be done: its wake-up then carries the release on and is set aside as a duplicate. */
function carrierOf({ deliveryId, attempt }: DeliveryWakeup): DeliveryWakeup {
  return { deliveryId, attempt };
}

interface Released {
  wakeup: DeliveryWakeup;
  at: Date;
}

/** Each delivery of the page that still waits, due one gap after the one before it. */
async function releasePage(deps: ReleaseDeps, deliveryIds: string[], now: Date, gapMs: number): Promise<Released[]> {
  const planned = deliveryIds.map((deliveryId, i) => ({ deliveryId, at: new Date(now.getTime() + Math.round(i * gapMs)) }));
  const results = await mapLimited(planned, RELEASE_CONCURRENCY, async ({ deliveryId, at }) => {
    const wakeup = await deps.deliveries.release(deliveryId, at.toISOString(), now.toISOString());
    return wakeup && { wakeup, at };
  });
  return results.filter((r): r is Released => r !== undefined);
}

/** The wake-ups, the last (the latest) carrying the release on when the list goes on. */
async function wakeReleased(deps: ReleaseDeps, released: Released[], carryOn: WaitRelease | undefined, now: Date): Promise<void> {
  const last = released.at(-1);
  await mapLimited(released, RELEASE_CONCURRENCY, async (r) => {
    const wakeup = carryOn && r === last ? { ...r.wakeup, release: carryOn } : r.wakeup;
    await wakeAt(deps, wakeup, now, r.at);
  });
}

/**
 * A wake-up that carries a release on: the next page is released first, while the circuit is still
 * closed and the subscription active (a circuit open again has a wait list of its own). Returns the
 * wake-up without it, for its own attempt. A failure throws, so the queue retries the message; the
 * release's conditions keep a second try from releasing a delivery twice, though it may carry the
 * release on twice (the limits hold the pace either way).
 */
export async function carryOnRelease(deps: ReleaseDeps, wakeup: DeliveryWakeup): Promise<DeliveryWakeup> {
  const { release, ...own } = wakeup;
  if (!release) return wakeup;
  // By now every delivery still on the list has woken on its own.
  if (deps.clock.now().getTime() - Date.parse(release.closedAt) > LONGEST_CIRCUIT_WAIT_MS) return own;
  const key = deliveryKeyOf(wakeup.deliveryId);
  const subscription = key && (await subscriptionSince(deps, key.subscriptionId, release.closedAt));
  const closed = subscription?.status === 'active' && circuitOf(subscription).state === 'closed';
  if (closed) await releaseWaiting(deps, subscription, release, own);
  return own;
}

/** The subscription as it is since `closedAt`: a cached copy from before the close (another instance's) is read again. */
async function subscriptionSince(deps: ReleaseDeps, id: string, closedAt: string): Promise<Subscription | undefined> {
  const cached = await deps.subscriptions.get(id);
  if (!cached || (circuitOf(cached).since ?? '') >= closedAt) return cached;
  deps.subscriptions.forget(id);
  return deps.subscriptions.get(id);
}
