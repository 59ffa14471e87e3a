import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLog } from '../../lambdas/domain/log';
import { startHttpServer, type HttpServer } from '../../local/http-server';
import { createLambdaEndpoint } from '../../local/lambda-endpoint';
import { createSqsEndpoint } from '../../local/sqs-endpoint';

const JSON_TYPE = { 'content-type': 'application/json' };

describe('local HTTP server', () => {
  let http: HttpServer | undefined;
  afterEach(async () => {
    await http?.close();
    http = undefined;
  });

  const withRoutes = async (published: string[]) => {
    http = await startHttpServer(0, silentLog);
    const server = http;
    server.setRoutes({
      sqs: createSqsEndpoint({ queues: {}, baseUrl: () => server.url }),
      lambda: createLambdaEndpoint({}),
      publish: (body) => {
        if (body.startsWith('refuse')) return { refused: 'event has no `type`' };
        published.push(body);
        return { messageId: `m${published.length}` };
      },
      health: () => ({ status: 'ok' }),
      notifications: () => [],
    });
    return server;
  };

  it('listens on 127.0.0.1 and answers 503 until its routes are set', async () => {
    http = await startHttpServer(0, silentLog);
    expect(http.url).toBe(`http://127.0.0.1:${http.port}`);
    expect((await fetch(`${http.url}/health`)).status).toBe(503);
  });

  it('takes on POST /events what the runtime accepts as an event, and answers 400 with the reason otherwise', async () => {
    const published: string[] = [];
    const server = await withRoutes(published);
    const post = (body: string | Buffer) => fetch(`${server.url}/events`, { method: 'POST', headers: JSON_TYPE, body });
    const response = await post('plain text');
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ messageId: 'm1' });
    expect(published).toEqual(['plain text']);

    const refused = await post('refuse me');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ message: 'not an event: event has no `type`' });
    const invalid = await post('nul \u0000');
    expect(invalid.status).toBe(400);
    const tooBig = await post('x'.repeat(1_048_577));
    expect(tooBig.status).toBe(400);
    expect(((await tooBig.json()) as { message: string }).message).toMatch(/shorter than 1048576 bytes/);
    expect(published).toHaveLength(1);
  });

  it('answers 413 to a request body beyond 6 MiB without reading it all', async () => {
    const server = await withRoutes([]);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${server.url}/events`,
        { method: 'POST', headers: { 'content-length': String(8 * 1024 * 1024), 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write(Buffer.alloc(7 * 1024 * 1024, 'x'));
    });
    expect(status).toBe(413);
  });
});

describe("the local runtime's doors", () => {
  let http: HttpServer;
  const published: string[] = [];
  const invoked: unknown[] = [];
  beforeAll(async () => {
    http = await startHttpServer(0, silentLog);
    const server = http;
    const queues: Record<string, { send(body: string): { id: string } }> = {
      events: { send: (body) => (published.push(body), { id: 'q1' }) },
    };
    server.setRoutes({
      sqs: createSqsEndpoint({ queues: queues as never, baseUrl: () => server.url }),
      lambda: createLambdaEndpoint({ subscriptions: async (input) => (invoked.push(input), { ok: true }) }),
      publish: (body) => (published.push(body), { messageId: 'm1' }),
      health: () => ({ status: 'ok' }),
      notifications: () => [],
    });
  });
  afterAll(() => http.close());
  beforeEach(() => {
    published.length = 0;
    invoked.length = 0;
  });

  /** A raw request, so that Host and the browser headers can be set as a page or a rebound name would. */
  const send = (path: string, headers: Record<string, string>, body = '', method = 'POST') =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${http.url}${path}`, { method, headers: { host: `127.0.0.1:${http.port}`, ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.end(body);
    });
  const EVENT = '{"id":1,"type":"donation"}';

  it.each(['localhost', '127.0.0.1', '[::1]'])('answers Host %s with its port', async (name) => {
    expect((await send('/health', { host: `${name}:${http.port}` }, '', 'GET')).status).toBe(200);
  });

  it.each(['evil.example', `evil.example:${'PORT'}`, '127.0.0.1', 'localhost:1', '127.0.0.2:PORT'])(
    'refuses Host %s (DNS rebinding) with 421, before reading anything',
    async (raw) => {
      const host = raw.replace('PORT', String(http.port));
      const reply = await send('/events', { host, 'content-type': 'application/json' }, EVENT);
      expect(reply.status).toBe(421);
      expect((JSON.parse(reply.body) as { message: string }).message).toContain(
        `is not this runtime: use 127.0.0.1:${http.port}, localhost:${http.port}, [::1]:${http.port}`,
      );
      expect((await send('/health', { host }, '', 'GET')).status).toBe(421);
      expect(published).toEqual([]);
    },
  );

  it.each([
    [{ origin: 'https://evil.example' }],
    [{ origin: 'null' }],
    [{ origin: `http://127.0.0.1:1` }],
    [{ 'sec-fetch-site': 'cross-site' }],
    [{ 'sec-fetch-site': 'same-site' }],
    [{ 'sec-fetch-site': 'same-origin' }],
  ])('refuses a request a browser marks as coming from a page (%j) with 403', async (marks) => {
    const create = JSON.stringify({ action: 'create', url: 'https://evil.example/hook' });
    const invoke = await send('/2015-03-31/functions/subscriptions/invocations', { 'content-type': 'application/json', ...marks }, create);
    expect(invoke.status).toBe(403);
    expect((JSON.parse(invoke.body) as { message: string }).message).toBe(
      'requests from web pages are refused: the local runtime answers programs on this machine only',
    );
    expect((await send('/events', { 'content-type': 'application/json', ...marks }, EVENT)).status).toBe(403);
    expect((await send('/health', marks, '', 'GET')).status).toBe(403);
    expect(invoked).toEqual([]);
    expect(published).toEqual([]);
  });

  it('lets through what the user typed into the address bar (Sec-Fetch-Site: none)', async () => {
    expect((await send('/health', { 'sec-fetch-site': 'none' }, '', 'GET')).status).toBe(200);
  });

  it.each([
    ['/events', 'text/plain'],
    ['/events', 'application/x-www-form-urlencoded'],
    ['/events', 'multipart/form-data; boundary=x'],
    ['/events', undefined],
    ['/2015-03-31/functions/subscriptions/invocations', 'text/plain;charset=UTF-8'],
    ['/2015-03-31/functions/subscriptions/invocations', 'application/x-www-form-urlencoded'],
  ])('refuses %s with content-type %s (what a page can send without asking) with 415', async (path, type) => {
    const reply = await send(path, type ? { 'content-type': type } : {}, EVENT);
    expect(reply.status).toBe(415);
    expect((JSON.parse(reply.body) as { message: string }).message).toMatch(/is not accepted here: send /);
    expect(published).toEqual([]);
    expect(invoked).toEqual([]);
  });

  it('takes the content types the SDKs, the AWS CLI and curl -H send', async () => {
    expect((await send('/events', { 'content-type': 'application/json; charset=utf-8' }, EVENT)).status).toBe(202);
    for (const type of ['application/octet-stream', 'application/json', undefined]) {
      const reply = await send(
        '/2015-03-31/functions/subscriptions/invocations',
        type ? { 'content-type': type } : {},
        '{"action":"list"}',
      );
      expect(reply.status).toBe(200);
    }
    const target = { 'x-amz-target': 'AmazonSQS.GetQueueUrl' };
    expect((await send('/', { ...target, 'content-type': 'application/x-amz-json-1.0' }, '{"QueueName":"events"}')).status).toBe(200);
    expect((await send('/', { ...target, 'content-type': 'text/plain' }, '{"QueueName":"events"}')).status).toBe(415);
  });

  it('keeps the bytes of POST /events: valid UTF-8 arrives unchanged (a byte order mark too), anything else is refused', async () => {
    const text = '\ufeff{"type":"donation","name":"Zoë 🎉","escaped":"\\u00e9"}';
    expect((await send('/events', { 'content-type': 'application/json' }, text)).status).toBe(202);
    expect(Buffer.from(published[0], 'utf8').equals(Buffer.from(text, 'utf8'))).toBe(true);
    const latin1 = await send(
      '/events',
      { 'content-type': 'application/json' },
      Buffer.from('{"type":"donation","name":"Zo\xeb"}', 'latin1') as unknown as string,
    );
    expect(latin1.status).toBe(400);
    expect(published).toHaveLength(1);
  });
});
