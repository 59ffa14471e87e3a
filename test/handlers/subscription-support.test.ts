// What the subscriptions and deliveries functions do for support beyond storing subscriptions: a
// test event to one subscription only, warnings for event types the CRM does not publish, refusing a
// target the SSRF guard would block, and which event ids were ingested before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoFanoutLog } from '../../lambdas/adapters/dynamo/fanout-log';
import { startHarness, type Harness } from '../support/harness';

describe('subscriptions handler: support actions', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  const create = async (fields: Record<string, unknown> = {}) =>
    (await h.subscriptions({ action: 'create', url: 'https://example.com/hook', ...fields })) as {
      subscription: { id: string };
      warnings?: string[];
    };
  const refusal = (input: unknown) =>
    h.subscriptions(input).then(
      () => new Error('not refused'),
      (e: unknown) => e as Error,
    );

  it('test: stores an event whose plan names only that subscription, logs its fan-out and wakes its delivery', async () => {
    const { subscription } = await create();
    await create();
    const answer = (await h.subscriptions({ action: 'test', id: subscription.id })) as {
      test: { eventId: string; eventType: string; deliveryId: string };
    };
    expect(answer.test).toEqual({
      eventId: expect.stringMatching(/^test-[0-9a-f-]{36}$/),
      eventType: 'webhook.test',
      deliveryId: `${answer.test.eventId}.${subscription.id}`,
    });

    const event = await h.deliveries.getEvent(answer.test.eventId);
    expect(event?.subscriptionIds).toEqual([subscription.id]);
    expect(JSON.parse(event!.body)).toEqual({
      id: answer.test.eventId,
      type: 'webhook.test',
      date: h.clock.now().toISOString(),
      subscriptionId: subscription.id,
      message: expect.any(String),
    });
    expect(h.queued()).toContainEqual({ deliveryId: answer.test.deliveryId, attempt: 1 });
    const minute = `${h.clock.now().toISOString().slice(0, 16)}:00.000Z`;
    const fanouts = new DynamoFanoutLog({ doc: h.doc, tableName: h.env.FANOUTS_TABLE!, retentionDays: 30 });
    expect(await fanouts.eventIdsOf(minute)).toContain(answer.test.eventId);
    // Until its first attempt the delivery is planned, readable like any other.
    expect(await h.deliveries.get(answer.test.deliveryId)).toMatchObject({ status: 'pending', attemptCount: 0, eventType: 'webhook.test' });
  });

  it('test with a sample: the sample with a fresh id, type and fields kept; a sample ingest would refuse is refused', async () => {
    const { subscription } = await create();
    const answer = (await h.subscriptions({
      action: 'test',
      id: subscription.id,
      event: { id: 182, type: 'donation', amount: '10.00 EUR' },
    })) as { test: { eventId: string } };
    const event = await h.deliveries.getEvent(answer.test.eventId);
    expect(event?.body).toBe(`{"id":"${answer.test.eventId}","type":"donation","amount":"10.00 EUR"}`);
    expect(event?.type).toBe('donation');

    expect((await refusal({ action: 'test', id: subscription.id, event: { amount: 1 } })).message).toBe(
      'event: event has no `type`: it must be a non-empty string',
    );
    expect((await refusal({ action: 'test', id: subscription.id, event: [1] })).message).toMatch(
      /^invalid test request: event: must be a JSON object/,
    );
  });

  it('test: refused for a disabled, deleted or unknown subscription', async () => {
    const { subscription } = await create();
    await h.subscriptions({ action: 'disable', id: subscription.id });
    const disabled = await refusal({ action: 'test', id: subscription.id });
    expect([disabled.name, disabled.message]).toEqual([
      'ConflictError',
      `id: subscription ${subscription.id} is disabled: enable it before sending a test event`,
    ]);
    await h.subscriptions({ action: 'delete', id: subscription.id });
    expect((await refusal({ action: 'test', id: subscription.id })).message).toMatch(
      new RegExp(`^id: subscription ${subscription.id} was deleted \\(.*\\); create a new one$`),
    );
    expect((await refusal({ action: 'test', id: 'sub_aaaaaaaaaaaaaaaaaaaa' })).message).toBe(
      'id: no subscription sub_aaaaaaaaaaaaaaaaaaaa',
    );
  });

  it('warns of event types the CRM is not known to publish, and keeps them', async () => {
    const known = await create({ eventTypes: ['donation', 'payment_status_change'] });
    expect(known.warnings).toBeUndefined();
    const typo = await create({ eventTypes: ['donaton', 'crm.custom'] });
    expect(typo.warnings).toEqual([
      expect.stringMatching(
        /^eventTypes: "donaton" is not a type the CRM is known to publish \(did you mean donation\? known: form_submission, /,
      ),
      expect.stringMatching(/^eventTypes: "crm\.custom" is not a type the CRM is known to publish \(known: /),
    ]);
    const updated = (await h.subscriptions({ action: 'update', id: typo.subscription.id, eventTypes: ['contact_updat'] })) as {
      subscription: { eventTypes: string[] };
      warnings: string[];
    };
    expect(updated.subscription.eventTypes).toEqual(['contact_updat']);
    expect(updated.warnings[0]).toContain('did you mean contact_update?');
  });

  it.each([
    ['https://10.0.0.1/hook', '10.0.0.1 is in the private range'],
    ['https://169.254.169.254/latest/meta-data', '169.254.169.254 is in the linkLocal range'],
    ['https://[fd00:ec2::254]/', 'fd00:ec2::254 is in the uniqueLocal range'],
    ['https://[::ffff:10.0.0.1]/', '::ffff:a00:1 is in the ipv4Mapped range'],
    ['https://100.100.100.200/', '100.100.100.200 is in the carrierGradeNat range'],
  ])('refuses %s, which the SSRF guard would block at every attempt', async (url, what) => {
    const error = await refusal({ action: 'create', url });
    expect(error.message).toBe(`url: ${what}; the sender only calls public addresses, so every attempt would be blocked`);
  });

  it('lets through public addresses, host names (checked at each connection) and what the allowlist allows', async () => {
    for (const url of [
      'https://93.184.215.14/hook',
      'https://example.com/hook',
      'http://127.0.0.1:4001/hook',
      'http://localhost:4001/hook',
    ]) {
      expect((await create({ url })).subscription.id).toMatch(/^sub_/);
    }
  });

  it('deliveries events: which event ids were ingested, when, and to how many subscriptions', async () => {
    const { subscription } = await create();
    const sent = (await h.subscriptions({ action: 'test', id: subscription.id })) as { test: { eventId: string } };
    const answer = (await h.query({ action: 'events', eventIds: [sent.test.eventId, 'never-seen'] })) as {
      events: unknown[];
      notFound: string[];
    };
    expect(answer).toEqual({
      events: [{ eventId: sent.test.eventId, type: 'webhook.test', receivedAt: h.clock.now().toISOString(), subscriptions: 1 }],
      notFound: ['never-seen'],
    });
  });
});
