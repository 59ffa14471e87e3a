import { describe, expect, it } from 'vitest';
import { deliveryIdOf, parseDeliveryId, pendingShardOf, scheduleNameOf } from '../../lambdas/domain/delivery-id';
import { newSubscriptionId } from '../../lambdas/domain/subscriptions';

const sub = 'sub_abcdefghijklmnopqrst';

describe('delivery ids', () => {
  it('derive from event id and subscription id, the same every time', () => {
    expect(deliveryIdOf('179', sub)).toBe(`179.${sub}`);
    expect(deliveryIdOf('179', sub)).toBe(deliveryIdOf('179', sub));
    expect(deliveryIdOf('180', sub)).not.toBe(deliveryIdOf('179', sub));
  });

  it('parse back into the pair, also when the event id contains dots', () => {
    expect(parseDeliveryId(`179.${sub}`)).toEqual({ eventId: '179', subscriptionId: sub });
    expect(parseDeliveryId(`v1.2.3.${sub}`)).toEqual({ eventId: 'v1.2.3', subscriptionId: sub });
  });

  it('refuse strings that are not delivery ids, naming the expected shape', () => {
    expect(() => parseDeliveryId('179')).toThrow(/expected <eventId>.<subscriptionId>/);
    expect(() => parseDeliveryId(`.${sub}`)).toThrow(/not a delivery id/);
    expect(() => parseDeliveryId('179.sub_short')).toThrow(/not a delivery id/);
  });

  it('fit new subscription ids, which never contain a dot', () => {
    for (let i = 0; i < 50; i += 1) {
      const id = newSubscriptionId();
      expect(id).toMatch(/^sub_[a-z2-7]{20}$/);
      expect(parseDeliveryId(deliveryIdOf('e', id)).subscriptionId).toBe(id);
    }
  });

  it('give deterministic schedule names within the Scheduler name rules', () => {
    const name = scheduleNameOf(`179.${sub}`, 3);
    expect(name).toBe(scheduleNameOf(`179.${sub}`, 3));
    expect(name).not.toBe(scheduleNameOf(`179.${sub}`, 4));
    expect(name).toMatch(/^[0-9a-zA-Z-_.]{1,64}$/);
  });

  it('spread deliveries over the pending index shards', () => {
    const shards = new Set(Array.from({ length: 200 }, (_, i) => pendingShardOf(deliveryIdOf(String(i), sub), 8)));
    expect([...shards].sort()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
  });
});
