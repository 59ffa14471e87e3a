// What a receiver and support see through the local runtime: signatures that the
// standard libraries verify (also across a secret rotation), event-type filters, static headers, the
// SSRF guard, Retry-After, 410 Gone, auto-disable of a failing subscription, and the payload limit.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../../cli/session';
import { silentLog, type Log } from '../../lambdas/domain/log';
import { startRuntime } from '../../local/runtime';
import type { SubscriptionNotice } from '../../lambdas/domain/ports';
import type { ReceivedRequest, Receiver } from '../support/receiver';
import { sampleEvents } from '../support/samples';
import { fastEnv, gaps, receiverPool, startE2eRuntime, testEvent, until, type CreatedSubscription, type E2eRuntime } from './support';

const BASE_MS = 600;
const MAX_ATTEMPTS = 4;
const FAILING_DISABLE_AFTER_MS = 1_500;
const MAX_EVENT_BYTES = 1_000;
const samples = sampleEvents();

/** Every log line as text, to prove that no secret is ever logged. */
function recordingLog(lines: string[]): Log {
  const record = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  return { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
}

/** The signed content as README documents it, `<webhook-id>.<webhook-timestamp>.<body>`, without any library. */
function expectedSignature(secret: string, request: ReceivedRequest): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const content = `${request.headers['webhook-id']}.${request.headers['webhook-timestamp']}.${request.body.toString('utf8')}`;
  return `v1,${createHmac('sha256', key).update(content).digest('base64')}`;
}

describe('e2e: receiver features', () => {
  const logLines: string[] = [];
  const secrets: string[] = [];
  let e2e: E2eRuntime;
  const pool = receiverPool();
  const receiver = pool.start;
  const notifications = async () => (await (await fetch(`${e2e.runtime.url}/notifications`)).json()) as SubscriptionNotice[];
  /** The notice about one subscription, once it is there (it follows the disable by a moment). */
  const noticeFor = async (subscriptionId: string) => {
    let notice: SubscriptionNotice | undefined;
    await until(
      async () => (notice = (await notifications()).find((n) => n.subscriptionId === subscriptionId)) !== undefined,
      2_000,
      `a notice about ${subscriptionId} on GET /notifications`,
    );
    return notice!;
  };
  const getSubscription = async (id: string) =>
    (await e2e.call<{ subscription: Record<string, unknown> }>('subscriptions', { action: 'get', id })).subscription;

  beforeAll(async () => {
    e2e = await startE2eRuntime(
      {
        RETRY_BASE_DELAY_MS: String(BASE_MS),
        RETRY_JITTER: '0',
        MAX_ATTEMPTS: String(MAX_ATTEMPTS),
        FAILING_DISABLE_AFTER_MS: String(FAILING_DISABLE_AFTER_MS),
        MAX_EVENT_BYTES: String(MAX_EVENT_BYTES),
      },
      recordingLog(logLines),
    );
  });
  afterAll(async () => {
    await Promise.all([e2e?.stop(), pool.closeAll()]);
  });

  describe('every sample event to three subscriptions: all types and signed, donations only, and with static headers', () => {
    let all: Receiver;
    let donations: Receiver;
    let withHeaders: Receiver;
    let signed: CreatedSubscription;
    let ownSecret: CreatedSubscription;
    let headersSub: CreatedSubscription;
    const broughtSecret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

    beforeAll(async () => {
      [all, donations, withHeaders] = await Promise.all([receiver(), receiver(), receiver()]);
      signed = await e2e.subscribe({ url: `${all.url}/hook` });
      ownSecret = await e2e.subscribe({ url: `${donations.url}/hook`, eventTypes: ['donation'], signingSecret: broughtSecret });
      headersSub = await e2e.subscribe({
        url: `${withHeaders.url}/hook?token=t0ken-value`,
        eventTypes: ['donation', 'contact_update'],
        headers: { 'X-Api-Key': 'k3y-value', 'X-Tenant': 'acme' },
      });
      secrets.push(signed.signingSecret, broughtSecret, headersSub.signingSecret, 'k3y-value', 't0ken-value');
      await e2e.publishBatch(samples.map((s) => s.body));
      await Promise.all([all.waitForRequests(samples.length, 10_000), donations.waitForRequests(1), withHeaders.waitForRequests(2)]);
      await until(() => e2e.idle(), 5_000, 'the queues to drain');
    });
    afterAll(async () => {
      // Later tests publish events of their own types; the catch-all subscription must not take them.
      for (const s of [signed, ownSecret, headersSub]) if (s) await e2e.call('subscriptions', { action: 'delete', id: s.id });
    });

    it('signs every request so that standardwebhooks and svix verify it with the secret from the create response', () => {
      expect(signed.signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(all.requests).toHaveLength(samples.length);
      for (const request of all.requests) {
        const body = request.body.toString('utf8');
        const sample = samples.find((s) => s.body === body)!;
        expect(request.headers['webhook-id']).toBe(`${sample.id}.${signed.id}`);
        expect(new StandardWebhook(signed.signingSecret).verify(body, request.headers)).toEqual(JSON.parse(sample.body));
        expect(new SvixWebhook(signed.signingSecret).verify(request.body, request.headers)).toEqual(JSON.parse(sample.body));
        expect(request.headers['webhook-signature']).toBe(expectedSignature(signed.signingSecret, request));
        // Forged content or another secret does not verify.
        expect(() => new StandardWebhook(signed.signingSecret).verify(body.replace('"id"', '"Id"'), request.headers)).toThrow();
        expect(() => new SvixWebhook(ownSecret.signingSecret).verify(body, request.headers)).toThrow();
      }
    });

    it('signs with a secret brought at creation', () => {
      expect(ownSecret.signingSecret).toBe(broughtSecret);
      const [request] = donations.requests;
      expect(new StandardWebhook(broughtSecret).verify(request.body.toString('utf8'), request.headers)).toMatchObject({
        type: 'donation',
      });
      expect(new SvixWebhook(broughtSecret).verify(request.body.toString('utf8'), request.headers)).toMatchObject({ type: 'donation' });
    });

    it('sends a subscription with eventTypes ["donation"] only the donation sample', () => {
      expect(donations.requests).toHaveLength(1);
      expect(donations.requests[0].body.equals(Buffer.from(samples.find((s) => s.type === 'donation')!.body, 'utf8'))).toBe(true);
      const types = withHeaders.requests.map((r) => (JSON.parse(r.body.toString('utf8')) as { type: string }).type);
      expect(types.sort()).toEqual(['contact_update', 'donation']);
    });

    it('sends static custom headers on every request; redacts them and the URL secret when support reads the subscription', async () => {
      for (const request of withHeaders.requests) {
        expect(request.headers['x-api-key']).toBe('k3y-value');
        expect(request.headers['x-tenant']).toBe('acme');
        expect(request.path).toBe('/hook?token=t0ken-value');
        expect(new StandardWebhook(headersSub.signingSecret).verify(request.body.toString('utf8'), request.headers)).toBeTruthy();
      }
      expect(headersSub.view.headers).toEqual({ 'X-Api-Key': 'k3y-value', 'X-Tenant': 'acme' });
      const view = await getSubscription(headersSub.id);
      expect(view.headers).toEqual({ 'X-Api-Key': '***', 'X-Tenant': '***' });
      expect(view.url).toBe(`${withHeaders.url}/hook?token=***`);
      expect(view.signingSecrets).toEqual([expect.objectContaining({ secret: 'whsec_***' })]);
      const listed = JSON.stringify(await e2e.call('subscriptions', { action: 'list' }));
      for (const secret of secrets) expect(listed).not.toContain(secret);
    });
  });

  it('signs with the new and the old secret after rotate-secret, so either verifies', async () => {
    const hook = await receiver();
    const sub = await e2e.subscribe({ url: `${hook.url}/hook`, eventTypes: ['e2e-rotation'] });
    const rotated = await e2e.invoke('subscriptions', { action: 'rotate-secret', id: sub.id });
    expect(rotated.functionError).toBeUndefined();
    const { signingSecret: newSecret, subscription } = rotated.payload as {
      signingSecret: string;
      subscription: { signingSecrets: Array<Record<string, string>> };
    };
    secrets.push(sub.signingSecret, newSecret);
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(sub.signingSecret);
    // Newest first; the old one expires after the grace period (24 h by default); both masked.
    expect(subscription.signingSecrets).toHaveLength(2);
    expect(subscription.signingSecrets.map((s) => s.secret)).toEqual(['whsec_***', 'whsec_***']);
    expect(subscription.signingSecrets[0].expiresAt).toBeUndefined();
    expect(Date.parse(subscription.signingSecrets[1].expiresAt) - Date.now()).toBeGreaterThan(23 * 3_600_000);

    await e2e.publish(testEvent('rotation-1', 'e2e-rotation'));
    const [request] = await hook.waitForRequests(1);
    const signatures = request.headers['webhook-signature'].split(' ');
    expect(signatures).toHaveLength(2);
    const body = request.body.toString('utf8');
    for (const secret of [newSecret, sub.signingSecret]) {
      expect(new StandardWebhook(secret).verify(body, request.headers)).toMatchObject({ id: 'rotation-1' });
      expect(new SvixWebhook(secret).verify(body, request.headers)).toMatchObject({ id: 'rotation-1' });
    }
    expect(signatures).toEqual([expectedSignature(newSecret, request), expectedSignature(sub.signingSecret, request)]);
  });

  it('honours Retry-After on 429 and 503, clamped between the policy wait and twice it', async () => {
    // The policy's first wait is 600 ms: 1 s is honoured as is, 5 s is cut to 1.2 s, 0 s raised to 600 ms.
    const cases = [
      { status: 429, retryAfter: '1', expectedMs: 1_000 },
      { status: 503, retryAfter: '5', expectedMs: 2 * BASE_MS },
      { status: 429, retryAfter: '0', expectedMs: BASE_MS },
    ];
    const hooks = await Promise.all(
      cases.map((c) => receiver((_req, n) => (n === 1 ? { status: c.status, headers: { 'retry-after': c.retryAfter } } : { status: 200 }))),
    );
    const subs = await Promise.all(hooks.map((h) => e2e.subscribe({ url: `${h.url}/hook`, eventTypes: ['e2e-retry-after'] })));
    await e2e.publish(testEvent('retry-after-1', 'e2e-retry-after'));
    await Promise.all(subs.map((s) => e2e.settled(`retry-after-1.${s.id}`, 'delivered')));

    for (const [i, c] of cases.entries()) {
      const [gap] = gaps(hooks[i].requests.map((r) => r.receivedAt));
      expect(hooks[i].requests).toHaveLength(2);
      expect(gap, `${c.status} Retry-After: ${c.retryAfter}`).toBeGreaterThanOrEqual(Math.max(BASE_MS, c.expectedMs) - 30);
      expect(gap, `${c.status} Retry-After: ${c.retryAfter}`).toBeLessThanOrEqual(Math.min(2 * BASE_MS, c.expectedMs) + 400);
      const attempts = await e2e.attempts(`retry-after-1.${subs[i].id}`);
      expect(attempts.map((a) => [a.outcome, a.statusCode])).toEqual([
        ['http_status', c.status],
        ['delivered', 200],
      ]);
    }
  });

  // These three measure no waits and use event types of their own: they run side by side.
  it.concurrent(
    'on 410 Gone pauses the delivery, disables the subscription (reason gone), notifies support and attempts nothing more; ' +
      'enable + resend by window delivers',
    async () => {
      const windowFrom = new Date(Date.now() - 1_000).toISOString();
      const hook = await receiver(() => ({ status: 410 }));
      const { id } = await e2e.subscribe({ url: `${hook.url}/hook?key=gone-secret`, eventTypes: ['e2e-gone'] });
      secrets.push('gone-secret');
      await e2e.publish(testEvent('gone-1', 'e2e-gone'));

      const paused = await e2e.settled(`gone-1.${id}`, 'paused');
      expect(paused).toMatchObject({ attemptCount: 1, lastAttempt: { outcome: 'http_status', statusCode: 410 } });
      // The sender records the attempt first, then disables the subscription.
      await until(async () => (await getSubscription(id)).status === 'disabled', 3_000, 'the subscription to be disabled');
      expect(await getSubscription(id)).toMatchObject({ status: 'disabled', disabledReason: 'gone' });
      expect(await noticeFor(id)).toMatchObject({
        kind: 'subscription-disabled',
        subscriptionId: id,
        reason: 'gone',
        url: `${hook.url}/hook?key=***`,
      });

      // Disabled: an event published now is kept as a paused delivery, and nothing is attempted.
      await e2e.publish(testEvent('gone-2', 'e2e-gone'));
      const pausedAtIngest = await e2e.settled(`gone-2.${id}`, 'paused');
      expect(pausedAtIngest.attemptCount).toBe(0);
      await until(() => e2e.drained(), 20_000, 'no wake-up left (the other tests of this file run alongside)');
      expect(hook.requests).toHaveLength(1);

      // Enabling alone resends nothing.
      hook.respondWith(() => ({ status: 200 }));
      expect(await e2e.call('subscriptions', { action: 'enable', id })).toMatchObject({ subscription: { status: 'active' } });
      await until(() => e2e.drained(), 20_000, 'no wake-up left (the other tests of this file run alongside)');
      expect(hook.requests).toHaveLength(1);

      const resent = await e2e.invoke('resend', {
        subscriptionId: id,
        from: windowFrom,
        to: new Date(Date.now() + 1_000).toISOString(),
        status: 'paused',
      });
      expect(resent.functionError).toBeUndefined();
      expect(resent.payload).toMatchObject({ matched: 2, resent: 2, deliveryIds: [`gone-1.${id}`, `gone-2.${id}`].sort() });
      await Promise.all([e2e.settled(`gone-1.${id}`, 'delivered'), e2e.settled(`gone-2.${id}`, 'delivered')]);
      expect(hook.requests).toHaveLength(3);
      expect((await e2e.attempts(`gone-1.${id}`)).map((a) => [a.number, a.trigger, a.statusCode])).toEqual([
        [1, 'initial', 410],
        [2, 'manual', 200],
      ]);
      expect((await e2e.attempts(`gone-2.${id}`)).map((a) => [a.number, a.trigger, a.statusCode])).toEqual([[1, 'manual', 200]]);
    },
  );

  it.concurrent(
    'disables a subscription whose attempts have all failed for FAILING_DISABLE_AFTER_MS (reason failing), notifies support, ' +
      'and pauses the rest',
    async () => {
      const hook = await receiver(() => ({ status: 500 }));
      const { id } = await e2e.subscribe({ url: `${hook.url}/hook`, eventTypes: ['e2e-failing'] });
      await e2e.publish(testEvent('failing-1', 'e2e-failing'));

      // Attempts at 0, 0.6 and 1.8 s: the third fails 1.8 s after the first, past the 1.5 s limit.
      await until(async () => (await getSubscription(id)).status === 'disabled', 6_000, 'the subscription to be disabled');
      const view = await getSubscription(id);
      expect(view).toMatchObject({ status: 'disabled', disabledReason: 'failing', failingSince: expect.any(String) });
      expect(hook.requests).toHaveLength(3);
      expect(await noticeFor(id)).toMatchObject({
        kind: 'subscription-disabled',
        reason: 'failing',
        detail: expect.stringMatching(/failed/),
      });

      // The retry that was already arranged is not attempted: the delivery pauses (kept, resendable).
      const paused = await e2e.settled(`failing-1.${id}`, 'paused', 5_000);
      expect(paused.attemptCount).toBe(3);
      expect(hook.requests).toHaveLength(3);
    },
  );

  it.concurrent('parks an event larger than MAX_EVENT_BYTES in the events DLQ with a reason naming the size', async () => {
    const hook = await receiver();
    await e2e.subscribe({ url: `${hook.url}/hook`, eventTypes: ['e2e-big'] });
    const body = testEvent('big-1', 'e2e-big', { note: 'x'.repeat(1_200) });
    const size = Buffer.byteLength(body);
    const messageId = await e2e.publish(body);
    const dlq = e2e.runtime.queues['events-dlq'];
    await until(() => dlq.messages().some((m) => m.attributes.sourceMessageId?.StringValue === messageId), 5_000, 'the event in the DLQ');
    const parked = dlq.messages().find((m) => m.attributes.sourceMessageId?.StringValue === messageId)!;
    expect(parked.body).toBe(body);
    expect(parked.attributes.reason?.StringValue).toBe(`event is ${size} bytes, more than the limit of ${MAX_EVENT_BYTES} bytes`);
    expect(await e2e.runtime.deliveries.getEvent('big-1')).toBeUndefined();
    await until(() => e2e.drained(), 20_000, 'no wake-up left (the other tests of this file run alongside)');
    expect(hook.requests).toHaveLength(0);
  });

  it('never logged a secret (signing secrets, header values, URL secrets)', () => {
    expect(logLines.length).toBeGreaterThan(0);
    const text = logLines.join('\n');
    for (const secret of secrets) expect(text).not.toContain(secret);
    // The base64 part alone, in case a secret was logged without its prefix.
    for (const secret of secrets.filter((s) => s.startsWith('whsec_'))) expect(text).not.toContain(secret.slice('whsec_'.length));
  });
});

describe('e2e: SSRF guard of the local runtime with an allowlist that does not cover loopback', () => {
  let e2e: E2eRuntime;
  let server: Server;
  let port: number;
  const connections: Socket[] = [];

  beforeAll(async () => {
    // A bare TCP listener counts connections: a request that got through would show up here.
    server = createServer((socket) => connections.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as AddressInfo).port;
    // An explicit TARGET_ALLOWLIST replaces the local default (loopback); TEST-NET-1 covers nothing here.
    e2e = await startE2eRuntime({ TARGET_ALLOWLIST: '192.0.2.0/24', MAX_ATTEMPTS: '2', RETRY_BASE_DELAY_MS: '200' });
  });
  afterAll(async () => {
    for (const socket of connections) socket.destroy();
    await Promise.all([e2e?.stop(), new Promise((resolve) => server?.close(resolve))]);
  });

  it('refuses to set up a loopback receiver, by IP literal and by name: every attempt would be blocked', async () => {
    for (const [url, what] of [
      [`http://127.0.0.1:${port}/hook`, '127.0.0.1 is in the loopback range'],
      [`http://localhost:${port}/hook`, 'localhost is loopback'],
    ]) {
      const refused = await e2e.invoke('subscriptions', { action: 'create', url });
      expect(refused.functionError).toBe('Unhandled');
      expect(refused.payload).toMatchObject({
        errorType: 'ValidationError',
        errorMessage: `url: ${what}; the sender only calls public addresses, so every attempt would be blocked`,
      });
    }
  });

  it('blocks a loopback receiver set up before the allowlist narrowed: outcome `blocked`, retried, no connection made', async () => {
    // Set up while the local default allowlist (loopback) applied, on the same data; then restarted narrowed.
    const dataDir = mkdtempSync(join(tmpdir(), 'ssrf-'));
    const env = { ...fastEnv, PORT: '0', DATA_DIR: dataDir, MAX_ATTEMPTS: '2', RETRY_BASE_DELAY_MS: '200' };
    try {
      let runtime = await startRuntime({ env, log: silentLog });
      let session = createSession({ endpoint: runtime.url });
      const ids: string[] = [];
      for (const url of [`http://127.0.0.1:${port}/hook`, `http://localhost:${port}/hook`]) {
        ids.push(
          (await session.invoke<{ subscription: { id: string } }>('subscriptions', { action: 'create', url, eventTypes: ['e2e-ssrf'] }))
            .subscription.id,
        );
      }
      session.close();
      await runtime.stop();
      runtime = await startRuntime({ env: { ...env, TARGET_ALLOWLIST: '192.0.2.0/24' }, log: silentLog });
      session = createSession({ endpoint: runtime.url });
      try {
        const { client, eventsQueueUrl } = await session.sqs();
        await client.send(new SendMessageCommand({ QueueUrl: eventsQueueUrl, MessageBody: testEvent('ssrf-1', 'e2e-ssrf') }));
        for (const id of ids) {
          const deliveryId = `ssrf-1.${id}`;
          await until(async () => (await runtime.deliveries.get(deliveryId))?.status === 'failed', 10_000, `${deliveryId} failed`);
          const attempts = await runtime.deliveries.listAttempts(deliveryId);
          expect(attempts.map((a) => [a.number, a.outcome, a.statusCode])).toEqual([
            [1, 'blocked', undefined],
            [2, 'blocked', undefined],
          ]);
          expect(attempts[0].error).toMatch(/loopback/);
        }
      } finally {
        session.close();
        await runtime.stop();
      }
      expect(connections).toHaveLength(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
