// Edges of the support functions' input: each answers a validation error naming the problem (never
// an InternalError), and what is accepted is stored and sent as given.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../support/receiver';
import { sqsEvent, startHarness, wakeupEvent, type Harness } from '../support/harness';

const LONG_EVENT_ID = 'e'.repeat(2049);
const SUB = 'sub_abcdefghijklmnopqrst';

describe('input edges', () => {
  let h: Harness;
  let receiver: Receiver;

  beforeAll(async () => {
    h = await startHarness();
    receiver = await startReceiver(() => ({ status: 200 }));
  });
  afterAll(async () => {
    await receiver.close();
    await h.close();
  });

  it.each([
    ['resend by event id', () => h.resend({ eventIds: [LONG_EVENT_ID] }), /eventIds\.0: must be at most 2048 bytes/],
    [
      'resend by delivery id',
      () => h.resend({ deliveryIds: [`${LONG_EVENT_ID}.${SUB}`] }),
      /deliveryIds\.0: not a delivery id: its event id must be at most 2048 bytes/,
    ],
    ['list by event', () => h.query({ action: 'list', eventId: LONG_EVENT_ID }), /eventId: must be at most 2048 bytes/],
    [
      'show',
      () => h.query({ action: 'show', deliveryId: `${LONG_EVENT_ID}.${SUB}` }),
      /deliveryId: not a delivery id: its event id must be at most 2048 bytes/,
    ],
  ])('an event id over 2,048 bytes in %s is a validation error', async (_, call, message) => {
    await expect(call()).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringMatching(message) });
  });

  it('a multi-byte event id is measured in bytes', async () => {
    await expect(h.resend({ eventIds: ['é'.repeat(1025)] })).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(h.resend({ eventIds: ['é'.repeat(1024)] })).resolves.toMatchObject({ notFound: ['é'.repeat(1024)] });
  });

  it('refuses URL userinfo with an encoded ":" in the user name', async () => {
    const create = h.subscriptions({ action: 'create', url: 'https://crm%3Aadmin:pa55word@example.com/hook' });
    await expect(create).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining('must not contain ":" (or %3A) in the user name'),
    });
    await expect(create).rejects.toSatisfy((error: Error) => !error.message.includes('pa55word') && !error.message.includes('admin'));
  });

  it.each(['Content-Encoding', 'content-range', 'Proxy-Connection', 'Transfer-Encoding', 'Connection'])(
    'refuses %s as a static header',
    async (name) => {
      const create = h.subscriptions({ action: 'create', url: 'https://example.com/hook', headers: { [name]: 'gzip' } });
      await expect(create).rejects.toMatchObject({
        name: 'ValidationError',
        message: expect.stringContaining(`headers.${name}: is set by the service or frames the body`),
      });
    },
  );

  it('stores and sends headers named constructor and __proto__ like any other', async () => {
    // As the Lambda console and the CLI hand it over: parsed JSON, where `__proto__` is an own key.
    const input: unknown = JSON.parse(
      `{"action":"create","url":"${receiver.url}/proto",` +
        '"headers":{"constructor":"c0nstructor-value","__proto__":"pr0to-value","X-Other":"0ther-value"}}',
    );
    const created = (await h.subscriptions(input)) as { subscription: { id: string; headers: Record<string, string> } };
    expect(Object.entries(created.subscription.headers)).toEqual([
      ['constructor', 'c0nstructor-value'],
      ['__proto__', 'pr0to-value'],
      ['X-Other', '0ther-value'],
    ]);
    const got = (await h.subscriptions({ action: 'get', id: created.subscription.id })) as {
      subscription: { headers: Record<string, string> };
    };
    expect(Object.entries(got.subscription.headers)).toEqual([
      ['constructor', '***'],
      ['__proto__', '***'],
      ['X-Other', '***'],
    ]);

    const before = h.queued().length;
    await h.ingest(sqsEvent([JSON.stringify({ id: 'proto-1', type: 'donation' })]));
    const wakeup = h
      .queued()
      .slice(before)
      .find((w) => w.deliveryId.endsWith(created.subscription.id))!;
    await h.sender(wakeupEvent([wakeup]));
    const request = receiver.requests.find((r) => r.path === '/proto')!;
    expect(request.headers.constructor).toBe('c0nstructor-value');
    // Node's header object cannot hold `__proto__`; the raw list shows what came over the wire.
    const raw = request.rawHeaders;
    expect(raw[raw.findIndex((name, i) => i % 2 === 0 && name.toLowerCase() === '__proto__') + 1]).toBe('pr0to-value');
    expect(request.headers['x-other']).toBe('0ther-value');
  });
});
