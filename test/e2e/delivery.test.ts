// Every sample event of the CRM, published with SQSClient, arrives at two subscriptions byte for byte
// with the documented headers: one receiver checks Basic auth (set up as URL userinfo), the other a
// URL secret, and each refuses requests without its credential.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuthorization } from '../../lambdas/domain/target';
import { formatWakeup, parseWakeup } from '../../lambdas/domain/wakeup-message';
import { startReceiver, type ReceivedRequest, type Receiver } from '../support/receiver';
import { sampleEvents } from '../support/samples';
import { startE2eRuntime, until, type E2eRuntime } from './support';

const samples = sampleEvents();
const expectedAuthorization = basicAuthorization({ username: 'crm', password: 'pa55word' });

describe('e2e: every sample event reaches every subscription', () => {
  let e2e: E2eRuntime;
  let basic: Receiver;
  let secret: Receiver;

  beforeAll(async () => {
    [e2e, basic, secret] = await Promise.all([
      startE2eRuntime({ MAX_ATTEMPTS: '2' }),
      startReceiver((req) => ({ status: req.headers.authorization === expectedAuthorization ? 200 : 401 })),
      startReceiver((req) => ({ status: new URL(req.path, 'http://x').searchParams.get('secret') === 's3cr3t' ? 204 : 403 })),
    ]);
  });
  afterAll(async () => {
    await Promise.all([e2e?.stop(), basic?.close(), secret?.close()]);
  });

  it('has the five sample events to publish', () => {
    expect(samples.map((s) => s.type).sort()).toEqual([
      'contact_update',
      'donation',
      'form_submission',
      'form_submission_confirmed',
      'payment_status_change',
    ]);
  });

  it('POSTs each event byte-identical with content-type, user-agent, webhook-id, -timestamp, -signature and the auth set up', async () => {
    const viaUserinfo = await e2e.subscribe({ url: `http://crm:pa55word@127.0.0.1:${basic.port}/hook`, description: 'basic auth' });
    const viaQuery = await e2e.subscribe({ url: `${secret.url}/hook?secret=s3cr3t` });
    // Userinfo became Basic auth and left the URL.
    expect(viaUserinfo.view).toMatchObject({ url: `${basic.url}/hook`, basicAuth: { username: 'crm', password: 'pa55word' } });

    const startedAt = Math.floor(Date.now() / 1000);
    const [first, second, ...rest] = samples;
    await e2e.publish(first.body);
    await e2e.publish(second.body);
    await e2e.publishBatch(rest.map((s) => s.body));

    await Promise.all([basic.waitForRequests(samples.length, 10_000), secret.waitForRequests(samples.length, 10_000)]);
    const subscriptions = [
      { receiver: basic, id: viaUserinfo.id, path: '/hook', authorization: expectedAuthorization },
      { receiver: secret, id: viaQuery.id, path: '/hook?secret=s3cr3t', authorization: undefined },
    ];
    for (const { receiver, id, path, authorization } of subscriptions) {
      const byWebhookId = new Map<string, ReceivedRequest>(receiver.requests.map((r) => [r.headers['webhook-id'], r]));
      for (const sample of samples) {
        const request = byWebhookId.get(`${sample.id}.${id}`);
        expect(request, `${sample.file} at ${id}`).toBeDefined();
        expect(request!.method).toBe('POST');
        expect(request!.path).toBe(path);
        expect(request!.body.equals(Buffer.from(sample.body, 'utf8')), `${sample.file} byte for byte`).toBe(true);
        expect(request!.headers['content-type']).toBe('application/json');
        expect(request!.headers['user-agent']).toMatch(/^crm-webhooks\/\d+\.\d+\.\d+$/);
        expect(request!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+={0,2}$/);
        const timestamp = Number(request!.headers['webhook-timestamp']);
        expect(timestamp).toBeGreaterThanOrEqual(startedAt - 1);
        expect(timestamp).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
        expect(request!.headers.authorization).toBe(authorization);
        // Credentials travel in the header only, never in the request line or the Host header.
        expect(request!.headers.host).toBe(`127.0.0.1:${receiver.port}`);
      }
      // One request per event: none was refused and retried.
      expect(receiver.requests).toHaveLength(samples.length);
      for (const sample of samples) {
        const deliveryId = `${sample.id}.${id}`;
        const delivery = await e2e.settled(deliveryId, 'delivered');
        expect(delivery).toMatchObject({ attemptCount: 1, eventType: sample.type });
        const attempts = await e2e.attempts(deliveryId);
        expect(attempts).toMatchObject([{ number: 1, trigger: 'initial', outcome: 'delivered' }]);
        expect(JSON.stringify(attempts)).not.toMatch(/pa55word|s3cr3t/);
      }
    }
  });

  it('POSTs the same bytes whether the wake-up carried the event or the event was too large for it and read from the table', async () => {
    const hook = await e2e.subscribe({ url: `${secret.url}/carried?secret=s3cr3t`, eventTypes: ['e2e-carried'] });
    // Escapes, non-ASCII text and odd spacing: bytes a re-serialisation would change.
    const tricky = (id: string, pad: number) =>
      `{ "id" : "${id}", "type":"e2e-carried", "note":"caf\\u00e9 é ☃ \\"q\\"", "pad": "${'p'.repeat(pad)}" }\n`;
    const small = tricky('carried-small', 10);
    // Within MAX_EVENT_BYTES (256 KiB), but with the wake-up's own fields more than an SQS message holds.
    const large = tricky('carried-large', 256 * 1024 - 200);
    const largeWakeup = {
      deliveryId: `carried-large.${hook.id}`,
      attempt: 1,
      event: { type: 'e2e-carried', receivedAt: new Date().toISOString(), body: large },
    };
    expect(Buffer.byteLength(large)).toBeLessThanOrEqual(256 * 1024);
    expect(parseWakeup(formatWakeup(largeWakeup)).event?.body).toBeUndefined();
    expect(parseWakeup(formatWakeup({ ...largeWakeup, event: { ...largeWakeup.event, body: small } })).event?.body).toBe(small);
    const before = secret.requests.length;
    await e2e.publish(small);
    await e2e.publish(large);
    // The first test's subscription (every event type) gets them too: wait for this one's two.
    const ids = [`carried-small.${hook.id}`, `carried-large.${hook.id}`];
    await until(() => ids.every((id) => secret.requests.some((r) => r.headers['webhook-id'] === id)), 10_000, 'both deliveries');
    const byWebhookId = new Map(secret.requests.slice(before).map((r) => [r.headers['webhook-id'], r]));
    expect(byWebhookId.get(`carried-small.${hook.id}`)?.body.equals(Buffer.from(small, 'utf8'))).toBe(true);
    expect(byWebhookId.get(`carried-large.${hook.id}`)?.body.equals(Buffer.from(large, 'utf8'))).toBe(true);
  });

  it('counts the receivers’ refusals of a wrong password or a missing URL secret as failed attempts (the checks are real)', async () => {
    const wrongPassword = await e2e.subscribe({ url: `http://crm:wrong@127.0.0.1:${basic.port}/hook`, eventTypes: ['e2e-auth-check'] });
    const noSecret = await e2e.subscribe({ url: `${secret.url}/hook?secret=guess`, eventTypes: ['e2e-auth-check'] });
    await e2e.publish(JSON.stringify({ id: 'auth-check-1', type: 'e2e-auth-check' }));
    // MAX_ATTEMPTS is 2 here: both attempts refused, then failed.
    for (const [subscription, status] of [
      [wrongPassword, 401],
      [noSecret, 403],
    ] as const) {
      const deliveryId = `auth-check-1.${subscription.id}`;
      await e2e.settled(deliveryId, 'failed');
      const attempts = await e2e.attempts(deliveryId);
      expect(attempts.map((a) => [a.outcome, a.statusCode])).toEqual([
        ['http_status', status],
        ['http_status', status],
      ]);
      expect(JSON.stringify(attempts)).not.toMatch(/wrong|guess/);
    }
    await until(() => e2e.idle(), 2_000, 'the queues to drain');
  });
});
