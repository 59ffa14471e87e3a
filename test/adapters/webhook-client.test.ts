import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { UndiciWebhookClient } from '../../lambdas/adapters/http/webhook-client';
import { RESPONSE_READ_BYTES } from '../../lambdas/domain/attempt-outcome';
import type { HttpResult, WebhookRequest } from '../../lambdas/domain/ports';
import { closedPort, startReceiver, type Receiver } from '../support/receiver';

// The CI clone has `shared/` beside the repository folder.
const EVENTS_DIR = path.resolve(__dirname, '../../../shared/events');
const sampleEvents = readdirSync(EVENTS_DIR)
  .filter((name) => name.endsWith('.json'))
  .map((name) => ({ name, body: readFileSync(path.join(EVENTS_DIR, name), 'utf8') }));

const client = new UndiciWebhookClient();
let receiver: Receiver | undefined;

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});
afterAll(async () => {
  await client.close();
});

async function receive(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  receiver = await startReceiver(...args);
  return receiver;
}

function webhook(url: string, overrides: Partial<WebhookRequest> = {}): WebhookRequest {
  return {
    url,
    headers: { 'content-type': 'application/json', 'user-agent': 'crm-webhooks/test', 'webhook-id': 'msg_1' },
    body: '{"id":1,"type":"donation"}',
    timeoutMs: 2_000,
    ...overrides,
  };
}

function expectKind<K extends HttpResult['kind']>(result: HttpResult, kind: K): Extract<HttpResult, { kind: K }> {
  expect(result.kind, JSON.stringify(result)).toBe(kind);
  return result as Extract<HttpResult, { kind: K }>;
}

describe('UndiciWebhookClient', () => {
  it('finds the sample events', () => {
    expect(sampleEvents.length).toBeGreaterThanOrEqual(5);
  });

  it('POSTs each sample event byte for byte with the headers as sent, and reports a 200', async () => {
    const target = await receive(() => ({ status: 200, headers: { 'x-reply': 'ok' }, body: 'thanks' }));
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'crm-webhooks/0.1.0',
      'webhook-id': 'msg_abc',
      'webhook-timestamp': '1732712345',
      'webhook-signature': 'v1,c2lnbmF0dXJl',
    };
    for (const event of sampleEvents) {
      const result = await client.post(webhook(`${target.url}/hook?secret=abc`, { headers, body: event.body }));
      const response = expectKind(result, 'response');
      expect(response.statusCode).toBe(200);
      expect(response.body).toBe('thanks');
      expect(response.headers['x-reply']).toBe('ok');
      expect(response.durationMs).toBeGreaterThanOrEqual(0);
    }

    expect(target.requests).toHaveLength(sampleEvents.length);
    target.requests.forEach((received, i) => {
      expect(received.method).toBe('POST');
      expect(received.path).toBe('/hook?secret=abc');
      expect(received.body.equals(Buffer.from(sampleEvents[i].body, 'utf8'))).toBe(true);
      expect(received.headers).toMatchObject(headers);
      expect(received.headers['content-length']).toBe(String(Buffer.byteLength(sampleEvents[i].body)));
    });
  });

  it('sends non-ASCII bodies unchanged', async () => {
    const target = await receive();
    const body = '{"name":"Zoë Ærøskøbing","note":"寄付 🎉","esc":"\\u00e9"}';
    expectKind(await client.post(webhook(target.url, { body })), 'response');
    expect(target.requests[0].body.equals(Buffer.from(body, 'utf8'))).toBe(true);
  });

  it('reports a 204 as a response with an empty body', async () => {
    const target = await receive(() => ({ status: 204 }));
    const response = expectKind(await client.post(webhook(target.url)), 'response');
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
  });

  it('reports a 500 with the start of its body', async () => {
    const target = await receive(() => ({ status: 500, body: 'database on fire' }));
    const response = expectKind(await client.post(webhook(target.url)), 'response');
    expect(response.statusCode).toBe(500);
    expect(response.body).toBe('database on fire');
  });

  it('does not follow a redirect', async () => {
    const elsewhere = await startReceiver();
    try {
      const target = await receive(() => ({ status: 302, headers: { location: `${elsewhere.url}/moved` } }));
      const response = expectKind(await client.post(webhook(target.url)), 'response');
      expect(response.statusCode).toBe(302);
      expect(response.headers.location).toBe(`${elsewhere.url}/moved`);
      // Give a wrongly followed redirect time to arrive before concluding it did not.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      await elsewhere.close();
    }
  });

  it('keeps at most RESPONSE_READ_BYTES of a large body, as valid UTF-8', async () => {
    // 3-byte characters after one ASCII byte, so the cut falls inside a character.
    const big = 'x' + 'é€'.repeat(6_000);
    expect(Buffer.byteLength(big)).toBeGreaterThan(2 * RESPONSE_READ_BYTES);
    const target = await receive(() => ({ status: 200, body: big }));
    const response = expectKind(await client.post(webhook(target.url)), 'response');
    const bytes = Buffer.byteLength(response.body, 'utf8');
    expect(bytes).toBeLessThanOrEqual(RESPONSE_READ_BYTES);
    expect(bytes).toBeGreaterThan(RESPONSE_READ_BYTES - 6);
    expect(response.body).not.toContain('\uFFFD');
    expect(big.startsWith(response.body)).toBe(true);
  });

  it('still reuses the connection after a body larger than the excerpt', async () => {
    const target = await receive(() => ({ status: 200, body: Buffer.alloc(200 * 1024, 'a') }));
    expectKind(await client.post(webhook(target.url)), 'response');
    expectKind(await client.post(webhook(target.url)), 'response');
    expect(target.requests[1].remotePort).toBe(target.requests[0].remotePort);
  });

  it('gives up on a body past the drain limit without waiting for all of it', async () => {
    const small = new UndiciWebhookClient({ drainLimitBytes: 64 * 1024 });
    try {
      const target = await receive(() => ({ status: 200, body: Buffer.alloc(4 * 1024 * 1024, 'b') }));
      const response = expectKind(await small.post(webhook(target.url)), 'response');
      expect(response.body).toBe('b'.repeat(RESPONSE_READ_BYTES));
    } finally {
      await small.close();
    }
  });

  it('times out when the headers come too late', async () => {
    const target = await receive(() => ({ status: 200, delayMs: 2_000 }));
    const started = Date.now();
    const result = expectKind(await client.post(webhook(target.url, { timeoutMs: 300 })), 'timeout');
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(1_000);
    expect(result.durationMs).toBeLessThan(1_000);
    expect(result.error).toContain('300 ms');
  });

  it('times out when the headers are fast but the body is slow', async () => {
    const target = await receive(() => ({ status: 200, body: 'late', bodyDelayMs: 2_000 }));
    const started = Date.now();
    const result = expectKind(await client.post(webhook(target.url, { timeoutMs: 300 })), 'timeout');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(result.error).toContain('body');
  });

  it('reports a refused connection as a network error with its code', async () => {
    const port = await closedPort();
    const result = expectKind(await client.post(webhook(`http://127.0.0.1:${port}/hook`)), 'network');
    expect(result.code).toBe('ECONNREFUSED');
    expect(result.error).toContain('ECONNREFUSED');
  });

  it('reports a connection dropped mid-request as a network error', async () => {
    const target = await receive(() => ({ destroy: true }));
    const result = expectKind(await client.post(webhook(target.url)), 'network');
    expect(result.code).toBeDefined();
    expect(result.error.length).toBeGreaterThan(0);
    expect(target.requests).toHaveLength(1);
  });

  it('reuses one TCP connection for sequential posts', async () => {
    const target = await receive();
    expectKind(await client.post(webhook(target.url)), 'response');
    expectKind(await client.post(webhook(target.url)), 'response');
    expect(target.requests).toHaveLength(2);
    expect(target.requests[1].socketId).toBe(target.requests[0].socketId);
    expect(target.requests[1].remotePort).toBe(target.requests[0].remotePort);
  });

  describe('never puts a secret into an error text', () => {
    const authorization = `Basic ${Buffer.from('user:pa55word-secret').toString('base64')}`;
    const secretHeaders = { ...webhook('').headers, authorization };

    function expectNoSecret(text: string): void {
      expect(text).not.toContain('s3cr3t-value');
      expect(text).not.toContain('s3cr3t-path');
      expect(text).not.toContain(authorization);
      expect(text).not.toContain(authorization.split(' ')[1]);
      expect(text).not.toContain('pa55word-secret');
    }

    it('on a refused connection', async () => {
      const port = await closedPort();
      const url = `http://127.0.0.1:${port}/s3cr3t-path/hook?secret=s3cr3t-value`;
      const result = expectKind(await client.post(webhook(url, { headers: secretHeaders })), 'network');
      expectNoSecret(JSON.stringify(result));
    });

    it('on a dropped connection', async () => {
      const target = await receive(() => ({ destroy: true }));
      const url = `${target.url}/s3cr3t-path/hook?secret=s3cr3t-value`;
      const result = expectKind(await client.post(webhook(url, { headers: secretHeaders })), 'network');
      expectNoSecret(JSON.stringify(result));
      expect(target.requests[0].headers.authorization).toBe(authorization);
    });

    it('on a timeout', async () => {
      const target = await receive(() => ({ delayMs: 1_000 }));
      const url = `${target.url}/s3cr3t-path/hook?secret=s3cr3t-value`;
      const result = expectKind(await client.post(webhook(url, { headers: secretHeaders, timeoutMs: 200 })), 'timeout');
      expectNoSecret(JSON.stringify(result));
    });

    it('on a header value undici refuses', async () => {
      const url = 'http://127.0.0.1:9/s3cr3t-path/hook?secret=s3cr3t-value';
      const headers = { ...secretHeaders, 'x-bad': 'pa55word-secret\r\ninjected: 1' };
      const result = expectKind(await client.post(webhook(url, { headers })), 'network');
      expectNoSecret(JSON.stringify(result));
    });
  });

  it('reports a URL it cannot send to as a network error, without a secret', async () => {
    const result = expectKind(await client.post(webhook('ftp://127.0.0.1/hook?secret=s3cr3t-value')), 'network');
    expect(result.code).toBe('UND_ERR_INVALID_ARG');
    expect(result.error).toContain('http:');
    expect(JSON.stringify(result)).not.toContain('s3cr3t-value');
  });

  it('rejects a timeout that is not a positive number', async () => {
    await expect(client.post(webhook('http://127.0.0.1:9/', { timeoutMs: 0 }))).rejects.toThrow(RangeError);
  });
});
