// Invalid input never disappears: an invalid event published with SQSClient ends in the events DLQ
// with a reason naming the problem (and nothing else happens), a message SQS itself would refuse is
// refused with SQS's error, and a bad console payload fails the Invoke with a message naming the field.
import { InvalidRequestContentException, InvokeCommand } from '@aws-sdk/client-lambda';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../support/receiver';
import { startE2eRuntime, until, type E2eRuntime } from './support';

describe('e2e: invalid input', () => {
  let e2e: E2eRuntime;
  let everything: Receiver;
  let subscriptionId: string;

  beforeAll(async () => {
    [e2e, everything] = await Promise.all([startE2eRuntime(), startReceiver()]);
    // Subscribed to every event type: any invalid event that slipped through would show up here.
    subscriptionId = (await e2e.subscribe({ url: `${everything.url}/hook` })).id;
  });
  afterAll(async () => {
    await Promise.all([e2e?.stop(), everything?.close()]);
  });

  it('parks events that are not JSON, have no `type` or a bad `id` in the events DLQ with the reason, and does nothing else', async () => {
    const invalid = [
      { body: 'not json {', reason: /not valid JSON/ },
      { body: JSON.stringify({ id: 901, date: '2026-11-20T08:13:46+01:00', version: '2.1.0' }), reason: /no `type`/ },
      { body: JSON.stringify({ id: 902, type: '' }), reason: /no `type`/ },
      { body: JSON.stringify({ id: 903, type: 17 }), reason: /no `type`/ },
      { body: JSON.stringify([{ id: 904, type: 'donation' }]), reason: /must be a JSON object, got an array/ },
      { body: JSON.stringify({ id: 'has a space', type: 'donation' }), reason: /`id` must be/ },
    ];
    const dlq = e2e.runtime.queues['events-dlq'];
    const messageIds = [await e2e.publish(invalid[0].body), ...(await e2e.publishBatch(invalid.slice(1).map((i) => i.body)))];

    await until(() => dlq.messages().length >= invalid.length, 5_000, 'every invalid event in the DLQ');
    await until(() => e2e.idle(), 3_000, 'the events queue to drain');
    const parked = dlq.messages();
    expect(parked).toHaveLength(invalid.length);
    invalid.forEach(({ body, reason }, i) => {
      const message = parked.find((m) => m.attributes.sourceMessageId?.StringValue === messageIds[i]);
      expect(message, `DLQ message for ${body}`).toBeDefined();
      // Byte for byte, so that it can be fixed and published again.
      expect(message!.body).toBe(body);
      expect(message!.attributes.reason?.StringValue).toMatch(reason);
      expect(Number.isNaN(Date.parse(message!.attributes.rejectedAt.StringValue!))).toBe(false);
    });
    expect(e2e.runtime.health().queues['events-dlq']).toMatchObject({ visible: invalid.length });

    // Nothing else: no event stored, no delivery, no request.
    for (const id of ['901', '902', '903', '904']) {
      expect(await e2e.runtime.deliveries.getEvent(id)).toBeUndefined();
      expect(await e2e.runtime.deliveries.listByEvent(id)).toEqual([]);
    }
    // Nothing waits in a queue, in flight or in a schedule: no request can come after this.
    await until(() => e2e.idle(), 5_000, 'the queues to drain');
    expect(e2e.runtime.health().schedules).toBe(0);
    expect(everything.requests).toHaveLength(0);
    expect(e2e.runtime.health().queues.deliveries).toEqual({ visible: 0, delayed: 0, inFlight: 0 });
  });

  it('still delivers a valid event published next to invalid ones in one batch', async () => {
    const valid = JSON.stringify({ id: 905, type: 'donation' });
    await e2e.publishBatch(['{"type":', valid, '{}']);
    await e2e.settled(`905.${subscriptionId}`, 'delivered');
    expect(everything.requests.map((r) => r.body.toString('utf8'))).toEqual([valid]);
  });

  it('refuses with SQS’s own errors what SQS would refuse: an empty body, a bad delay', async () => {
    const send = (input: { MessageBody: string; DelaySeconds?: number }) =>
      e2e.sqs.send(new SendMessageCommand({ QueueUrl: e2e.eventsQueueUrl, ...input }));
    await expect(send({ MessageBody: '' })).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: expect.stringMatching(/MessageBody/),
    });
    await expect(send({ MessageBody: '{"type":"donation"}', DelaySeconds: 901 })).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: expect.stringMatching(/DelaySeconds/),
    });
  });

  it.each([
    ['subscriptions', { action: 'explode' }, /^action: must be one of create, get, list/],
    ['subscriptions', { url: 'https://example.com/hook' }, /^action: is required/],
    ['subscriptions', { action: 'create', url: 'not a url' }, /^url must be an absolute URL/],
    ['subscriptions', { action: 'create', url: 'ftp://example.com/hook' }, /^url must use https \(got ftp\)/],
    ['subscriptions', { action: 'create', url: 'https://example.com/hook#part' }, /^url must not contain a #fragment/],
    ['subscriptions', { action: 'create', url: 'https://example.com/hook', eventTypes: 'donation' }, /eventTypes: must be an array/],
    [
      'subscriptions',
      { action: 'create', url: 'https://example.com/hook', headers: { 'webhook-id': 'x' } },
      /headers\.webhook-id: is set by the service/,
    ],
    ['subscriptions', { action: 'create', url: 'https://example.com/hook', signingSecret: 'plain' }, /signingSecret: must be "whsec_"/],
    [
      'subscriptions',
      { action: 'create', url: 'https://crm:pw@example.com/hook', basicAuth: { username: 'crm', password: 'pw' } },
      /Basic auth either in the url or as `basicAuth`/,
    ],
    ['subscriptions', { action: 'create', url: 'https://example.com/hook', color: 'red' }, /unknown field `color`/],
    ['subscriptions', { action: 'get', id: 'sub_aaaaaaaaaaaaaaaaaaaa' }, /^id: no subscription sub_aaaaaaaaaaaaaaaaaaaa/],
    ['subscriptions', { action: 'get', id: '42' }, /id: must be a subscription id/],
    ['resend', { deliveryIds: ['179.sub_aaaaaaaaaaaaaaaaaaaa'], eventIds: ['179'] }, /one selector per call/],
    ['resend', {}, /needs one selector/],
    ['resend', { deliveryIds: ['no-dot'] }, /^deliveryIds\.0: /],
    [
      'resend',
      { subscriptionId: 'sub_aaaaaaaaaaaaaaaaaaaa', from: '2026-11-03T00:00:00Z', to: '2026-11-01T00:00:00Z' },
      /from: must be before `to`/,
    ],
    [
      'resend',
      { subscriptionId: 'sub_aaaaaaaaaaaaaaaaaaaa', from: 'yesterday', to: '2026-11-01T00:00:00Z' },
      /from: must be an ISO 8601 date-time/,
    ],
    ['resend', { eventIds: ['179'], status: 'failed' }, /unknown field `status`/],
  ])('answers %s %j with a function error naming the field', async (name, payload, message) => {
    const result = await e2e.invoke(name, payload);
    expect(result.functionError).toBe('Unhandled');
    expect(result.payload).toMatchObject({
      errorType: expect.stringMatching(/^(ValidationError|NotFoundError)$/),
      errorMessage: expect.stringMatching(message),
    });
  });

  it('creates nothing from refused console payloads, and refuses an Invoke payload that is not JSON', async () => {
    const listed = await e2e.call<{ subscriptions: Array<{ id: string }> }>('subscriptions', { action: 'list' });
    expect(listed.subscriptions.map((s) => s.id)).toEqual([subscriptionId]);
    await expect(
      e2e.lambda.send(new InvokeCommand({ FunctionName: 'resend', Payload: new TextEncoder().encode('{"deliveryIds": [') })),
    ).rejects.toBeInstanceOf(InvalidRequestContentException);
  });
});
