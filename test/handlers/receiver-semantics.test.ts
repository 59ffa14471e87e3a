// What receivers and support see through the real handlers: signatures, custom headers,
// the SSRF guard, Retry-After, 410 Gone and auto-disable.
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoSubscriptionRepository } from '../../lambdas/adapters/dynamo/subscription-repository';
import type { SubscriptionView } from '../../lambdas/domain/subscriptions';
import { sqsEvent, startHarness, wakeupEvent, type Harness } from '../support/harness';
import { startReceiver, type ReceivedRequest, type Receiver } from '../support/receiver';

const MIN = 60_000;
let receiver: Receiver;
const harnesses: Harness[] = [];

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
});
afterEach(async () => {
  receiver.requests.length = 0;
  receiver.respondWith(() => ({ status: 200 }));
  while (harnesses.length > 0) await harnesses.pop()!.close();
});

async function harness(overrides: Record<string, string> = {}): Promise<Harness> {
  const h = await startHarness(overrides);
  harnesses.push(h);
  return h;
}

function subscriptionsTable(h: Harness): DynamoSubscriptionRepository {
  return new DynamoSubscriptionRepository({
    doc: h.doc,
    tables: { subscriptions: h.env.SUBSCRIPTIONS_TABLE! },
    retentionDays: 30,
    secrets: h.secretBox,
  });
}

async function create(h: Harness, request: Record<string, unknown>) {
  return (await h.subscriptions({ action: 'create', ...request })) as { subscription: SubscriptionView };
}

let nextEventId = 5000;

/** Publishes one event and returns the wake-up of its delivery to `subscriptionId`. */
async function publish(h: Harness, subscriptionId: string, body?: string) {
  const eventId = String((nextEventId += 1));
  const res = await h.ingest(sqsEvent([body ?? JSON.stringify({ id: Number(eventId), type: 'donation', amount: '10.00 EUR' })]));
  expect(res.batchItemFailures).toEqual([]);
  return { deliveryId: `${eventId}.${subscriptionId}`, attempt: 1 };
}

function verifyHeaders(req: ReceivedRequest) {
  return {
    'webhook-id': req.headers['webhook-id'],
    'webhook-timestamp': req.headers['webhook-timestamp'],
    'webhook-signature': req.headers['webhook-signature'],
  };
}

describe('signatures', () => {
  it('signs every request so that the standardwebhooks and svix verifiers accept it', async () => {
    const h = await harness();
    const { subscription } = await create(h, { url: `${receiver.url}/signed` });
    const secret = subscription.signingSecrets![0].secret;
    expect(secret).toMatch(/^whsec_/);
    const wakeup = await publish(h, subscription.id);
    await h.sender(wakeupEvent([wakeup]));
    const req = receiver.requests[0];
    const body = req.body.toString('utf8');
    expect(req.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    // The clock of the harness is real time, so the verifiers' 5-minute tolerance holds.
    expect(new StandardWebhook(secret).verify(body, verifyHeaders(req))).toEqual(JSON.parse(body));
    expect(new SvixWebhook(secret).verify(body, verifyHeaders(req))).toEqual(JSON.parse(body));
    // Only the create response shows the secret.
    const got = (await h.subscriptions({ action: 'get', id: subscription.id })) as { subscription: SubscriptionView };
    expect(JSON.stringify(got)).not.toContain(secret.slice(6));
    expect(h.log.text()).not.toContain(secret.slice(6));
  });

  it('keeps the same webhook-id on every attempt of a delivery, for receivers to deduplicate', async () => {
    const h = await harness({ RETRY_BASE_DELAY_MS: '1000' });
    receiver.respondWith((_req, n) => ({ status: n === 1 ? 500 : 200 }));
    const { subscription } = await create(h, { url: `${receiver.url}/dedupe` });
    const wakeup = await publish(h, subscription.id);
    await h.sender(wakeupEvent([wakeup]));
    h.clock.advance(1000);
    await h.sender(wakeupEvent([{ ...wakeup, attempt: 2 }]));
    expect(receiver.requests.map((r) => r.headers['webhook-id'])).toEqual([wakeup.deliveryId, wakeup.deliveryId]);
  });

  it('uses a secret the receiver brings, and after rotate-secret signs with both until the grace period ends', async () => {
    const h = await harness({ SIGNING_SECRET_GRACE_MS: String(60 * MIN) });
    const own = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    const { subscription } = await create(h, { url: `${receiver.url}/rotate`, signingSecret: own });
    const rotated = (await h.subscriptions({ action: 'rotate-secret', id: subscription.id })) as {
      signingSecret: string;
      subscription: SubscriptionView;
    };
    expect(rotated.signingSecret).toMatch(/^whsec_/);
    expect(rotated.subscription.signingSecrets!.map((s) => s.secret)).toEqual(['whsec_***', 'whsec_***']);

    await h.sender(wakeupEvent([await publish(h, subscription.id)]));
    const during = receiver.requests[0];
    expect(during.headers['webhook-signature'].split(' ')).toHaveLength(2);
    const body = during.body.toString('utf8');
    // A receiver holding either secret accepts the request.
    expect(new StandardWebhook(own).verify(body, verifyHeaders(during))).toBeTruthy();
    expect(new StandardWebhook(rotated.signingSecret).verify(body, verifyHeaders(during))).toBeTruthy();

    h.clock.advance(61 * MIN);
    await h.sender(wakeupEvent([await publish(h, subscription.id)]));
    const after = receiver.requests[1];
    expect(after.headers['webhook-signature'].split(' ')).toHaveLength(1);
  });

  it('refuses a malformed secret with a message naming the field', async () => {
    const h = await harness();
    await expect(create(h, { url: `${receiver.url}/x`, signingSecret: 'hunter2' })).rejects.toThrow(/signingSecret: must be "whsec_"/);
  });
});

describe('custom headers', () => {
  it('sends static headers with every request, redacted in responses and logs', async () => {
    const h = await harness();
    const { subscription } = await create(h, { url: `${receiver.url}/headers`, headers: { 'X-Api-Key': 'k3y-v4lue-123' } });
    expect(subscription.headers).toEqual({ 'X-Api-Key': 'k3y-v4lue-123' });
    await h.sender(wakeupEvent([await publish(h, subscription.id)]));
    expect(receiver.requests[0].headers['x-api-key']).toBe('k3y-v4lue-123');
    const listed = (await h.subscriptions({ action: 'list' })) as { subscriptions: SubscriptionView[] };
    expect(listed.subscriptions[0].headers).toEqual({ 'X-Api-Key': '***' });
    expect(h.log.text()).not.toContain('k3y-v4lue-123');
  });

  it('refuses headers the service sets itself, with a message naming the header', async () => {
    const h = await harness();
    await expect(create(h, { url: `${receiver.url}/x`, headers: { 'Webhook-Signature': 'forged' } })).rejects.toThrow(
      /headers\.Webhook-Signature: .*set by the service/,
    );
    await expect(create(h, { url: `${receiver.url}/x`, headers: { 'X-Evil': 'a\r\nb: c' } })).rejects.toThrow(/printable ASCII/);
  });
});

describe('SSRF guard', () => {
  it('refuses a loopback target unless allowlisted: outcome blocked, no connection, retried like any failure', async () => {
    const h = await harness({ TARGET_ALLOWLIST: '' });
    // The subscriptions function refuses this target now; one set up before (under a wider allowlist) is stored as is.
    await expect(create(h, { url: `${receiver.url}/internal` })).rejects.toThrow(/127\.0\.0\.1 is in the loopback range/);
    const subscription = { id: 'sub_loopbackloopbackloop' };
    const now = h.clock.now().toISOString();
    await subscriptionsTable(h).create({
      id: subscription.id,
      url: `${receiver.url}/internal?secret=s3cr3t-value`,
      status: 'active',
      createdAt: now,
      updatedAt: now,
    });
    const wakeup = await publish(h, subscription.id);
    await h.sender(wakeupEvent([wakeup]));
    expect(receiver.requests).toHaveLength(0);
    const [attempt] = await h.deliveries.listAttempts(wakeup.deliveryId);
    expect(attempt).toMatchObject({ outcome: 'blocked' });
    expect(attempt.error).toMatch(/address 127\.0\.0\.1 is loopback/);
    expect(attempt.error).not.toContain('s3cr3t-value');
    expect(await h.deliveries.get(wakeup.deliveryId)).toMatchObject({ status: 'pending', nextTrigger: 'retry' });
    expect(h.queued().at(-1)).toEqual({ deliveryId: wakeup.deliveryId, attempt: 2, delaySeconds: 300 });
  });

  it('fails the cold start with a message naming TARGET_ALLOWLIST when an entry is not a CIDR', async () => {
    await expect(startHarness({ TARGET_ALLOWLIST: '10.0.0.0/33' })).rejects.toThrow(/TARGET_ALLOWLIST: .*10\.0\.0\.0\/33/);
  });
});

describe('Retry-After', () => {
  it('honours a 429 Retry-After between the policy wait and twice it', async () => {
    const h = await harness();
    receiver.respondWith(() => ({ status: 429, headers: { 'retry-after': '420' } }));
    const { subscription } = await create(h, { url: `${receiver.url}/busy` });
    const wakeup = await publish(h, subscription.id);
    h.sqs.resetHistory();
    await h.sender(wakeupEvent([wakeup]));
    expect(h.queued()).toEqual([{ deliveryId: wakeup.deliveryId, attempt: 2, delaySeconds: 420 }]);
  });

  it('caps a 503 Retry-After far in the future at twice the policy wait', async () => {
    const h = await harness();
    receiver.respondWith(() => ({ status: 503, headers: { 'retry-after': new Date(Date.now() + 86_400_000).toUTCString() } }));
    const { subscription } = await create(h, { url: `${receiver.url}/maintenance` });
    const wakeup = await publish(h, subscription.id);
    await h.sender(wakeupEvent([wakeup]));
    const delivery = await h.deliveries.get(wakeup.deliveryId);
    expect(Date.parse(delivery!.nextAttemptAt!) - h.clock.now().getTime()).toBe(10 * MIN);
    expect(h.queued().at(-1)).toEqual({ deliveryId: wakeup.deliveryId, attempt: 2, delaySeconds: 600 });
  });
});

describe('410 Gone', () => {
  it('pauses the delivery, disables the subscription (reason gone), notifies support; resend by window replays once enabled', async () => {
    const h = await harness();
    receiver.respondWith(() => ({ status: 410 }));
    const { subscription } = await create(h, { url: `${receiver.url}/gone?secret=s3cr3t-value` });
    const first = await publish(h, subscription.id);
    const second = await publish(h, subscription.id);
    await h.sender(wakeupEvent([first]));

    expect(await h.deliveries.get(first.deliveryId)).toMatchObject({ status: 'paused', attemptCount: 1 });
    const got = (await h.subscriptions({ action: 'get', id: subscription.id })) as { subscription: SubscriptionView };
    expect(got.subscription).toMatchObject({ status: 'disabled', disabledReason: 'gone' });
    expect(h.notices()).toEqual([
      expect.objectContaining({
        kind: 'subscription-disabled',
        subscriptionId: subscription.id,
        reason: 'gone',
        url: `${receiver.url}/gone?secret=***`,
      }),
    ]);
    expect(JSON.stringify(h.notices())).not.toContain('s3cr3t-value');

    // The other pending delivery is not attempted: it pauses when it comes up.
    await h.sender(wakeupEvent([second]));
    expect(receiver.requests).toHaveLength(1);
    expect(await h.deliveries.get(second.deliveryId)).toMatchObject({ status: 'paused', statusReason: 'subscription disabled (gone)' });
    // An event published meanwhile is kept, paused.
    const third = await publish(h, subscription.id);
    expect(await h.deliveries.get(third.deliveryId)).toMatchObject({ status: 'paused' });

    // Enabling resends nothing by itself; resend by time window replays all three.
    receiver.respondWith(() => ({ status: 204 }));
    h.sqs.resetHistory();
    await h.subscriptions({ action: 'enable', id: subscription.id });
    expect(h.queued()).toEqual([]);
    const from = new Date(h.clock.now().getTime() - MIN).toISOString();
    const to = new Date(h.clock.now().getTime() + MIN).toISOString();
    const resent = (await h.resend({ subscriptionId: subscription.id, from, to, status: 'paused' })) as { resent: number };
    expect(resent.resent).toBe(3);
    await h.sender(wakeupEvent(h.queued().map(({ deliveryId, attempt }) => ({ deliveryId, attempt }))));
    for (const d of [first, second, third]) expect((await h.deliveries.get(d.deliveryId))?.status).toBe('delivered');
  });
});

describe('auto-disable', () => {
  it('disables a subscription whose attempts have all failed for the configured period (reason failing)', async () => {
    const h = await harness({ FAILING_DISABLE_AFTER_MS: String(60 * MIN), RETRY_BASE_DELAY_MS: '1000' });
    receiver.respondWith(() => ({ status: 500 }));
    const { subscription } = await create(h, { url: `${receiver.url}/failing` });
    await h.sender(wakeupEvent([await publish(h, subscription.id)]));
    const marked = (await h.subscriptions({ action: 'get', id: subscription.id })) as { subscription: SubscriptionView };
    expect(marked.subscription).toMatchObject({ status: 'active', failingSince: h.clock.now().toISOString() });

    // Disabled once the run is older than the period plus its first stretch (a 24th of it, 2.5 min
    // here), in which a delivery would not have ended it.
    h.clock.advance(62 * MIN);
    await h.sender(wakeupEvent([await publish(h, subscription.id)]));
    expect(h.notices()).toEqual([]);

    h.clock.advance(1 * MIN);
    await h.sender(wakeupEvent([await publish(h, subscription.id)]));
    const got = (await h.subscriptions({ action: 'get', id: subscription.id })) as { subscription: SubscriptionView };
    expect(got.subscription).toMatchObject({ status: 'disabled', disabledReason: 'failing' });
    expect(h.notices()).toEqual([expect.objectContaining({ subscriptionId: subscription.id, reason: 'failing' })]);
  });

  it('ends a run of failures with a delivery once the run is past its first stretch', async () => {
    const h = await harness({ FAILING_DISABLE_AFTER_MS: String(60 * MIN) });
    receiver.respondWith((_req, n) => ({ status: n === 1 ? 500 : 200 }));
    const { subscription } = await create(h, { url: `${receiver.url}/flaky` });
    const failingSince = async () =>
      ((await h.subscriptions({ action: 'get', id: subscription.id })) as { subscription: SubscriptionView }).subscription.failingSince;
    await h.sender(wakeupEvent([await publish(h, subscription.id)]));
    const started = await failingSince();
    expect(started).toBeDefined();
    // A delivery in the run's first 2.5 min (a 24th of the period) leaves it as it is: no write.
    await h.sender(wakeupEvent([await publish(h, subscription.id)]));
    expect(await failingSince()).toBe(started);
    h.clock.advance(3 * MIN);
    await h.sender(wakeupEvent([await publish(h, subscription.id)]));
    expect(await failingSince()).toBeUndefined();
    h.clock.advance(2 * 60 * MIN);
    receiver.respondWith(() => ({ status: 500 }));
    await h.sender(wakeupEvent([await publish(h, subscription.id)]));
    expect(
      ((await h.subscriptions({ action: 'get', id: subscription.id })) as { subscription: SubscriptionView }).subscription.status,
    ).toBe('active');
  });
});
