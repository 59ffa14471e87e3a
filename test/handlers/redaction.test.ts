// Secrets stay out of everything support and the logs see, in every form a receiver may echo them:
// a bare query token, percent-, form- and JSON-encoded or upper-cased copies, and a copy that
// straddles the 4 KiB cut of the response excerpt.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RESPONSE_EXCERPT_BYTES } from '../../lambdas/domain/attempt-outcome';
import { startReceiver, type Receiver } from '../support/receiver';
import { sqsEvent, startHarness, wakeupEvent, type Harness } from '../support/harness';

const BARE = 'BareT0ken-s3cr3t';
const KEY = 'k3y/With Space+plus';

describe('redaction through the handlers', () => {
  let h: Harness;
  let receiver: Receiver;
  let eventId = 5000;

  beforeAll(async () => {
    h = await startHarness();
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await h.close();
  });
  beforeEach(() => receiver.respondWith(() => ({ status: 200 })));

  async function create(url: string, headers?: Record<string, string>): Promise<string> {
    const res = (await h.subscriptions({ action: 'create', url, headers })) as { subscription: { id: string } };
    return res.subscription.id;
  }

  async function attemptOnce(subscriptionId: string) {
    const before = h.queued().length;
    await h.ingest(sqsEvent([JSON.stringify({ id: (eventId += 1), type: 'donation' })]));
    const wakeup = h
      .queued()
      .slice(before)
      .find((w) => w.deliveryId.endsWith(subscriptionId))!;
    await h.sender(wakeupEvent([wakeup]));
    const [attempt] = await h.deliveries.listAttempts(wakeup.deliveryId);
    return attempt;
  }

  it('masks a bare query token in get, list and the log', async () => {
    const id = await create(`${receiver.url}/hook?${BARE}`);
    const got = (await h.subscriptions({ action: 'get', id })) as { subscription: { url: string } };
    expect(got.subscription.url).toBe(`${receiver.url}/hook?***`);
    const listed = JSON.stringify(await h.subscriptions({ action: 'list' }));
    expect(listed).toContain(`${receiver.url}/hook?***`);
    expect(listed).not.toContain(BARE);
    expect(h.log.text()).not.toContain(BARE);
  });

  it('keeps a bare query token out of the notice and the attempt of a 410 Gone', async () => {
    receiver.respondWith(() => ({ status: 410, body: `gone: ${BARE.toLowerCase()}` }));
    const id = await create(`${receiver.url}/gone?${BARE}`);
    const attempt = await attemptOnce(id);
    expect(attempt.responseBody).toBe('gone: ***');
    const notice = h.notices().find((n) => n.subscriptionId === id)!;
    expect(notice.url).toBe(`${receiver.url}/gone?***`);
    expect(JSON.stringify(h.notices()) + h.log.text()).not.toMatch(new RegExp(BARE, 'i'));
  });

  it('scrubs encoded and upper-cased copies of a header value from the response excerpt', async () => {
    // As a JSON body carries them: each form is the content of one string, `/` escaped as `\/` in the third.
    const echoed = [
      encodeURIComponent(KEY),
      new URLSearchParams({ k: KEY }).toString().slice(2),
      'k3y\\/With Space+plus',
      KEY.toUpperCase(),
    ];
    receiver.respondWith(() => ({ status: 400, body: `{"seen":[${echoed.map((e) => `"${e}"`).join(',')}]}` }));
    const id = await create(`${receiver.url}/echo`, { 'X-Api-Key': KEY });
    const attempt = await attemptOnce(id);
    expect(attempt.responseBody).toBe(JSON.stringify({ seen: ['***', '***', '***', '***'] }));
  });

  it('scrubs the response before cutting the excerpt, so a secret across the cut leaves no part', async () => {
    const secret = 'straddling-s3cr3t-0123456789';
    receiver.respondWith(() => ({ status: 500, body: 'a'.repeat(RESPONSE_EXCERPT_BYTES - 6) + secret + 'b'.repeat(20_000) }));
    const id = await create(`${receiver.url}/cut`, { 'X-Api-Key': secret });
    const attempt = await attemptOnce(id);
    expect(Buffer.byteLength(attempt.responseBody!)).toBe(RESPONSE_EXCERPT_BYTES);
    expect(attempt.responseBody!.endsWith('a***bbb')).toBe(true);
    expect(attempt.responseBody).not.toContain(secret.slice(0, 6));
  });
});
