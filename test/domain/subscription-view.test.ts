// The view support sees of a subscription: every secret masked, and a type the compiler keeps apart
// from the stored subscription.
import { describe, expect, it } from 'vitest';
import { viewOf, type SubscriptionView } from '../../lambdas/domain/subscription-view';
import type { Subscription } from '../../lambdas/domain/types';

const subscription: Subscription = {
  id: 'sub_abcdefghijklmnopqrst',
  url: 'https://receiver.example/hook?secret=s3cr3t',
  basicAuth: { username: 'crm', password: 'pa55' },
  headers: { 'X-Api-Key': 'k3y' },
  signingSecrets: [{ secret: 'whsec_c2VjcmV0', createdAt: '2026-11-01T00:00:00.000Z' }],
  status: 'active',
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
};

describe('viewOf', () => {
  it('masks every secret unless revealed', () => {
    const text = JSON.stringify(viewOf(subscription));
    for (const secret of ['s3cr3t', 'pa55', 'k3y', 'c2VjcmV0']) expect(text).not.toContain(secret);
    // Revealed, it is the subscription itself, with the limits in force and its circuit as support reads them.
    const { maxConcurrency, circuit, ...revealed } = viewOf(subscription, { reveal: true });
    expect(revealed).toEqual(subscription);
    expect(maxConcurrency).toBe(10);
    expect(circuit).toMatchObject({ state: 'closed' });
  });

  it('is a type of its own: a stored subscription is not a view', () => {
    // @ts-expect-error a Subscription holds secrets in the clear; only viewOf makes a SubscriptionView.
    const leaked: SubscriptionView = subscription;
    expect(leaked).toBe(subscription);
  });
});
