// The SSRF guard end to end over real sockets. Only loopback addresses are ever dialled: public
// addresses appear only in the lookup tests below, with a fake resolver and no socket.
import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createGuardedLookup, resolveApprovedAddress, type Resolver } from '../../lambdas/adapters/http/guarded-lookup';
import { parseAllowlist } from '../../lambdas/adapters/http/target-guard';
import { UndiciWebhookClient, type UndiciWebhookClientOptions } from '../../lambdas/adapters/http/webhook-client';
import type { HttpResult, WebhookRequest } from '../../lambdas/domain/ports';
import { startReceiver, type Receiver } from '../support/receiver';

const LOOPBACK = parseAllowlist('127.0.0.0/8, ::1/128');
const SECRET = 's3cr3t-t0ken-42';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function client(options: UndiciWebhookClientOptions): UndiciWebhookClient {
  const made = new UndiciWebhookClient(options);
  cleanups.push(() => made.close());
  return made;
}

async function receive(): Promise<Receiver> {
  const receiver = await startReceiver(() => ({ status: 204 }));
  cleanups.push(() => receiver.close());
  return receiver;
}

interface Listener {
  port: number;
  /** TCP connections accepted, whether or not a request followed. */
  connections: number;
  requests: number;
}

/** A bare HTTP listener that counts TCP connections, so a test can prove none was made. */
async function listen(host: string, port = 0): Promise<Listener> {
  const state = { port: 0, connections: 0, requests: 0 };
  const server: Server = createServer((req, res) => {
    state.requests += 1;
    req.resume();
    req.on('end', () => res.writeHead(200, { 'x-served-by': host }).end('ok'));
  });
  server.on('connection', () => {
    state.connections += 1;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  state.port = (server.address() as AddressInfo).port;
  cleanups.push(async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  });
  return state;
}

function webhook(url: string): WebhookRequest {
  return {
    url,
    headers: { 'content-type': 'application/json', 'user-agent': 'crm-webhooks/test', 'webhook-id': 'msg_1' },
    body: '{"id":1,"type":"donation"}',
    timeoutMs: 2_000,
  };
}

/** A URL carrying the secret in both the path and the query. */
function secretUrl(origin: string): string {
  return `${origin}/hooks/${SECRET}?token=${SECRET}`;
}

function expectKind<K extends HttpResult['kind']>(result: HttpResult, kind: K): Extract<HttpResult, { kind: K }> {
  expect(result.kind, JSON.stringify(result)).toBe(kind);
  return result as Extract<HttpResult, { kind: K }>;
}

function fixedResolver(...answers: LookupAddress[][]): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string): Promise<LookupAddress[]> => {
    calls.push(hostname);
    return answers[Math.min(calls.length, answers.length) - 1];
  };
  return Object.assign(resolve, { calls });
}

const v4 = (address: string): LookupAddress => ({ address, family: 4 });

describe('UndiciWebhookClient with the SSRF guard', () => {
  it('blocks an IP-literal loopback target without connecting, naming class and address', async () => {
    const target = await listen('127.0.0.1');
    const guarded = client({ guard: { allowlist: [] } });

    const result = expectKind(await guarded.post(webhook(secretUrl(`http://127.0.0.1:${target.port}`))), 'blocked');

    expect(result.error).toBe('address 127.0.0.1 is loopback; not an allowed webhook target');
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(result)).not.toContain(SECRET);
    expect(target.connections).toBe(0);
  });

  it('blocks a host name that resolves to loopback through the system resolver, without connecting', async () => {
    const target = await listen('127.0.0.1');
    const guarded = client({ guard: { allowlist: [] } });

    const result = expectKind(await guarded.post(webhook(secretUrl(`http://localhost:${target.port}`))), 'blocked');

    expect(result.error).toMatch(/^address (127\.0\.0\.1|::1) is loopback; not an allowed webhook target$/);
    expect(JSON.stringify(result)).not.toContain(SECRET);
    expect(result.error).not.toContain('localhost');
    expect(target.connections).toBe(0);
  });

  it('guards https targets the same way (tls sockets use the guarded lookup too)', async () => {
    const target = await listen('127.0.0.1');
    const guarded = client({ guard: { allowlist: [] } });

    const named = expectKind(await guarded.post(webhook(secretUrl(`https://localhost:${target.port}`))), 'blocked');
    const literal = expectKind(await guarded.post(webhook(secretUrl(`https://127.0.0.1:${target.port}`))), 'blocked');

    expect(named.error).toMatch(/^address (127\.0\.0\.1|::1) is loopback; not an allowed webhook target$/);
    expect(literal.error).toBe('address 127.0.0.1 is loopback; not an allowed webhook target');
    expect(target.connections).toBe(0);
  });

  it('blocks IPv6 and IPv4-mapped literals; an IPv4 allowlist entry does not open the mapped form', async () => {
    const target = await listen('127.0.0.1');
    const guarded = client({ guard: { allowlist: parseAllowlist('127.0.0.0/8') } });

    const ipv6 = expectKind(await guarded.post(webhook(`http://[::1]:${target.port}/hook`)), 'blocked');
    expect(ipv6.error).toBe('address ::1 is loopback; not an allowed webhook target');
    // The URL parser writes the mapped address in hex; the socket would still reach 127.0.0.1.
    const mapped = expectKind(await guarded.post(webhook(`http://[::ffff:127.0.0.1]:${target.port}/hook`)), 'blocked');
    expect(mapped.error).toBe('address ::ffff:7f00:1 is ipv4Mapped; not an allowed webhook target');
    expect(target.connections).toBe(0);
  });

  it('blocks the shorthand spellings of loopback that the URL parser canonicalises', async () => {
    const target = await listen('127.0.0.1');
    const guarded = client({ guard: { allowlist: [] } });

    for (const host of ['0x7f.1', '127.1', '2130706433']) {
      const result = expectKind(await guarded.post(webhook(`http://${host}:${target.port}/hook`)), 'blocked');
      expect(result.error).toBe('address 127.0.0.1 is loopback; not an allowed webhook target');
    }
    expect(target.connections).toBe(0);
  });

  it('delivers to the IP literal and to localhost when loopback is allowlisted', async () => {
    const receiver = await receive();
    const guarded = client({ guard: { allowlist: LOOPBACK } });

    const direct = expectKind(await guarded.post(webhook(secretUrl(receiver.url))), 'response');
    const named = expectKind(await guarded.post(webhook(secretUrl(`http://localhost:${receiver.port}`))), 'response');

    expect([direct.statusCode, named.statusCode]).toEqual([204, 204]);
    const requests = await receiver.waitForRequests(2);
    expect(requests.map((r) => r.headers.host)).toEqual([`127.0.0.1:${receiver.port}`, `localhost:${receiver.port}`]);
    expect(requests[1].path).toBe(`/hooks/${SECRET}?token=${SECRET}`);
  });

  it('resolves once per connection through the guard and dials the address it approved', async () => {
    const receiver = await receive();
    const resolve = fixedResolver([v4('127.0.0.1')]);
    const guarded = client({ guard: { allowlist: LOOPBACK, resolve } });

    const url = `http://webhook.test:${receiver.port}/hook`;
    expectKind(await guarded.post(webhook(url)), 'response');
    expectKind(await guarded.post(webhook(url)), 'response');

    const requests = await receiver.waitForRequests(2);
    expect(requests.map((r) => r.headers.host)).toEqual([`webhook.test:${receiver.port}`, `webhook.test:${receiver.port}`]);
    // The second POST reused the kept-alive connection: one connection, one resolution.
    expect(requests.map((r) => r.socketId)).toEqual([1, 1]);
    expect(resolve.calls).toEqual(['webhook.test']);
  });

  it('connects to the checked answer, not to a second resolution (DNS rebinding)', async () => {
    // Only 127.0.0.2 is allowed. The name answers 127.0.0.2 first, then 127.0.0.1: a guard that
    // checked one resolution and let the socket resolve again would land on the 127.0.0.1 receiver.
    const checked = await listen('127.0.0.2');
    const rebound = await listen('127.0.0.1', checked.port);
    const resolve = fixedResolver([v4('127.0.0.2')], [v4('127.0.0.1')]);
    const guarded = client({ guard: { allowlist: parseAllowlist('127.0.0.2/32'), resolve } });

    const result = expectKind(await guarded.post(webhook(`http://rebind.test:${checked.port}/hook`)), 'response');

    expect(result.headers['x-served-by']).toBe('127.0.0.2');
    expect([checked.requests, rebound.connections]).toEqual([1, 0]);
    expect(resolve.calls).toEqual(['rebind.test']);
  });

  it('checks the addresses of every new connection, also for a URL it has posted to before', async () => {
    // The client remembers per URL only what the URL itself says; DNS answers are checked per connection.
    const receiver = await startReceiver(() => ({ status: 204, headers: { connection: 'close' } }));
    cleanups.push(() => receiver.close());
    const resolve = fixedResolver([v4('127.0.0.1')], [v4('127.0.0.2')]);
    const guarded = client({ guard: { allowlist: parseAllowlist('127.0.0.1/32'), resolve } });
    const url = `http://moving.test:${receiver.port}/hook`;

    expectKind(await guarded.post(webhook(url)), 'response');
    const second = expectKind(await guarded.post(webhook(url)), 'blocked');

    expect(second.error).toBe('address 127.0.0.2 is loopback; not an allowed webhook target');
    expect(resolve.calls).toEqual(['moving.test', 'moving.test']);
    expect(receiver.requests).toHaveLength(1);
  });

  it('times out within the attempt limit while the host name is still being resolved', async () => {
    const resolve: Resolver = () => new Promise<LookupAddress[]>(() => undefined);
    // Connect timeout above the attempt's: the attempt's own limit must be what ends it.
    const guarded = client({ guard: { allowlist: LOOPBACK, resolve }, connectTimeoutMs: 2_000 });
    const started = Date.now();

    const result = expectKind(await guarded.post({ ...webhook('http://stuck.test:9/hook'), timeoutMs: 200 }), 'timeout');

    expect(Date.now() - started).toBeLessThan(1_000);
    expect(result.error).toBe('no complete response within 200 ms (waiting for the response headers)');
  });

  it('blocks a name with any refused address among its answers, without connecting', async () => {
    const target = await listen('127.0.0.1');
    const resolve = fixedResolver([v4('127.0.0.1'), v4('127.0.0.2')]);
    const guarded = client({ guard: { allowlist: parseAllowlist('127.0.0.1/32'), resolve } });

    const result = expectKind(await guarded.post(webhook(secretUrl(`http://mixed.test:${target.port}`))), 'blocked');

    expect(result.error).toBe('address 127.0.0.2 is loopback; not an allowed webhook target');
    expect(target.connections).toBe(0);
  });

  it('reports a failed resolution as a network error, not as blocked', async () => {
    const resolve: Resolver = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.test'), { code: 'ENOTFOUND' });
    };
    const guarded = client({ guard: { allowlist: [], resolve } });

    const result = expectKind(await guarded.post(webhook('http://nowhere.test:9/hook')), 'network');
    expect(result.code).toBe('ENOTFOUND');
  });

  it('leaves the client unguarded without the option', async () => {
    const receiver = await receive();
    const unguarded = client({});
    expectKind(await unguarded.post(webhook(`${receiver.url}/hook`)), 'response');
  });

  it('refuses a guard together with an injected dispatcher, which would bypass it', () => {
    const agent = new Agent();
    cleanups.push(() => agent.close());
    expect(() => new UndiciWebhookClient({ guard: { allowlist: [] }, agent })).toThrow('either `guard` or `agent`');
  });
});

describe('guarded lookup (fake resolver, no sockets)', () => {
  const PUBLIC = '93.184.215.14';

  function lookupOnce(
    lookup: ReturnType<typeof createGuardedLookup>,
    all: boolean,
  ): Promise<{ error: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number }> {
    return new Promise((resolve) => {
      lookup('hook.example', { all, family: 0 }, (error, address, family) => resolve({ error, address, family }));
    });
  }

  it('hands the connector the address of its single, checked resolution', async () => {
    // A rebinding resolver: public first, loopback on any later question.
    const resolve = fixedResolver([v4(PUBLIC)], [v4('127.0.0.1')]);
    const lookup = createGuardedLookup([], resolve);

    const asList = await lookupOnce(lookup, true);
    expect(asList).toEqual({ error: null, address: [v4(PUBLIC)], family: undefined });
    expect(resolve.calls).toEqual(['hook.example']);

    // A later connection resolves afresh and is checked afresh.
    const later = await lookupOnce(lookup, true);
    expect(later.error?.message).toBe('address 127.0.0.1 is loopback; not an allowed webhook target');
    expect(later.error?.code).toBe('ERR_WEBHOOK_TARGET_BLOCKED');
    expect(resolve.calls).toEqual(['hook.example', 'hook.example']);
  });

  it('answers in the single-address form when the socket does not ask for all', async () => {
    const lookup = createGuardedLookup([], fixedResolver([{ address: '2606:4700:4700::1111', family: 6 }]));
    expect(await lookupOnce(lookup, false)).toEqual({ error: null, address: '2606:4700:4700::1111', family: 6 });
  });

  it('returns exactly one address when all answers pass, the resolver’s first', async () => {
    const resolve = fixedResolver([v4(PUBLIC), v4('1.1.1.1'), { address: '2606:4700:4700::1111', family: 6 }]);
    expect(await resolveApprovedAddress('hook.example', {}, [], resolve)).toEqual(v4(PUBLIC));
  });

  it.each([
    ['169.254.169.254', 'linkLocal'],
    ['fd00:ec2::254', 'uniqueLocal'],
    ['100.100.100.200', 'carrierGradeNat'],
    ['::ffff:8.8.8.8', 'ipv4Mapped'],
  ])('refuses a name when any answer is refused (%s, %s), even after public ones', async (address, range) => {
    const resolve = fixedResolver([v4(PUBLIC), { address, family: address.includes(':') ? 6 : 4 }]);
    await expect(resolveApprovedAddress('hook.example', {}, [], resolve)).rejects.toMatchObject({
      code: 'ERR_WEBHOOK_TARGET_BLOCKED',
      message: `address ${address} is ${range}; not an allowed webhook target`,
    });
  });

  it('treats an empty answer as not found', async () => {
    await expect(resolveApprovedAddress('hook.example', {}, [], fixedResolver([]))).rejects.toMatchObject({
      code: 'ENOTFOUND',
    });
  });

  it('passes the family the socket asks for on to the resolver', async () => {
    const seen: unknown[] = [];
    const resolve: Resolver = async (_hostname, options) => {
      seen.push(options);
      return [v4(PUBLIC)];
    };
    const lookup = createGuardedLookup([], resolve);
    await new Promise<void>((done) => lookup('hook.example', { family: 4, all: true }, () => done()));
    expect(seen).toEqual([{ family: 4, hints: undefined }]);
  });
});
