// A subscription's circuit in the sender, one attempt a second on the test clock, with the sender's
// subscription cache on as in Lambda: a busy receiver whose runs of failures keep being ended by an
// answer never has its circuit opened, however long that goes on; one that is down has it opened
// once its run has lasted CIRCUIT_MIN_RUN_MS (10 s by default), not at its fifth failure.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CircuitView } from '../../lambdas/domain/circuit';
import type { DeliveryWakeup } from '../../lambdas/domain/types';
import { startReceiver, type Receiver } from '../support/receiver';
import { sqsEvent, startHarness, wakeupEvent, type Harness } from '../support/harness';

describe('the circuit of a subscription whose receiver fails', () => {
  let h: Harness;
  let receiver: Receiver;
  /** The receiver's answers in order; 200 once they are used up. */
  let script: number[] = [];
  let eventCounter = 0;

  beforeAll(async () => {
    h = await startHarness({ ATTEMPT_TIMEOUT_MS: '400', SUBSCRIPTION_CACHE_MS: '30000' });
    receiver = await startReceiver(() => ({ status: script.shift() ?? 200 }));
  });
  afterAll(async () => {
    await receiver.close();
    await h.close();
  });
  beforeEach(() => {
    receiver.requests.length = 0;
  });

  /** A new subscription and the first wake-ups of `count` new events to it. */
  async function deliveries(count: number): Promise<{ id: string; wakeups: DeliveryWakeup[] }> {
    const { subscription } = (await h.subscriptions({ action: 'create', url: `${receiver.url}/hook` })) as { subscription: { id: string } };
    const bodies = Array.from({ length: count }, () => JSON.stringify({ id: `circuit-run-${(eventCounter += 1)}`, type: 'donation' }));
    const before = h.carried().length;
    expect((await h.ingest(sqsEvent(bodies))).batchItemFailures).toEqual([]);
    const wakeups = h
      .carried()
      .slice(before)
      .filter((w) => w.deliveryId.endsWith(subscription.id));
    expect(wakeups).toHaveLength(count);
    return { id: subscription.id, wakeups };
  }

  /** Each delivery's first attempt, a second apart, as separate invocations of one warm sender. */
  async function attemptEverySecond(wakeups: DeliveryWakeup[]): Promise<void> {
    for (const wakeup of wakeups) {
      h.clock.advance(1_000);
      expect((await h.sender(wakeupEvent([wakeup]))).batchItemFailures).toEqual([]);
    }
  }

  const circuitOf = async (id: string) =>
    ((await h.subscriptions({ action: 'get', id })) as { subscription: { circuit: CircuitView } }).subscription.circuit;
  const openedNotices = (id: string) => h.notices().filter((n) => n.subscriptionId === id && n.kind === 'circuit-opened');

  it('stays closed for a receiver whose runs of five failures are each ended by an answer, over 30 s', async () => {
    const { id, wakeups } = await deliveries(30);
    script = Array.from({ length: 5 }, () => [503, 503, 503, 503, 503, 200]).flat();
    await attemptEverySecond(wakeups);
    expect(receiver.requests).toHaveLength(30);
    expect(await circuitOf(id)).toEqual({ state: 'closed', waiting: 0 });
    expect(openedNotices(id)).toEqual([]);
  });

  it('opens for a receiver that is down once its run has lasted 10 s, then defers instead of POSTing', async () => {
    const { id, wakeups } = await deliveries(14);
    script = Array.from({ length: 14 }, () => 503);
    // Five failures in 4 s: a run long enough in count, not in time.
    await attemptEverySecond(wakeups.slice(0, 5));
    expect(await circuitOf(id)).toEqual({ state: 'closed', waiting: 0 });
    // The run's eleventh failure, 10 s after its first, opens it.
    await attemptEverySecond(wakeups.slice(5, 11));
    expect(await circuitOf(id)).toMatchObject({ state: 'open' });
    expect(openedNotices(id)).toEqual([
      expect.objectContaining({ detail: expect.stringMatching(/^11 attempts in a row failed over 10\.0 s \(last: /) as unknown }),
    ]);
    // Behind the open circuit the next deliveries are deferred, not POSTed.
    await attemptEverySecond(wakeups.slice(11));
    expect(receiver.requests).toHaveLength(11);
    expect(await circuitOf(id)).toMatchObject({ state: 'open', waiting: 3 });
  });
});
