// The console's server over real sockets: who it lets in (the one-time link, then the cookie; its
// own Host only; API calls from its own origin only) and that it forwards console payloads to the
// service as the CLI does. The pages themselves are tested in Chromium (test/browser).
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleServer, type ConsoleServer } from '../../cli/console/server';
import { createSession, type Session } from '../../cli/session';
import { repoRoot, runCli, startLocalService, until, type LocalService } from './cli-process';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('crm-webhooks console: the server', () => {
  let service: LocalService;
  let session: Session;
  let server: ConsoleServer;
  let cookie: string;
  const assets = { script: 'console.log("app")', styles: 'body{}' };

  beforeAll(async () => {
    service = await startLocalService();
    session = createSession({ endpoint: service.runtime.url });
    server = await startConsoleServer({ session, assets });
  });
  afterAll(async () => {
    await server.close();
    session.close();
    await service.stop();
  });

  const api = (body: unknown, headers: Record<string, string> = {}) =>
    send(`${server.url}/api/invoke`, {
      method: 'POST',
      headers: { cookie, origin: server.url, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('refuses everything without the session, then trades the one-time link for a cookie, once', async () => {
    expect((await send(`${server.url}/`)).status).toBe(401);
    expect((await send(`${server.url}/?token=wrong`)).status).toBe(401);
    const first = await send(server.loginUrl);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    const setCookie = String(first.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly; SameSite=Strict; Path=\//);
    cookie = setCookie.split(';')[0]!;
    const again = await send(server.loginUrl);
    expect(again.status).toBe(401);
    expect(again.body).toContain('used up');

    const page = await send(`${server.url}/`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<script type="module" src="/app.js">');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect((await send(`${server.url}/app.js`, { headers: { cookie } })).body).toBe(assets.script);
  });

  it('answers only to its own Host (no DNS rebinding)', async () => {
    const rebound = await send(`${server.url}/`, { headers: { cookie, host: `attacker.example:${new URL(server.url).port}` } });
    expect(rebound.status).toBe(421);
    expect((await send(`${server.url}/`, { headers: { cookie, host: `localhost:${new URL(server.url).port}` } })).status).toBe(200);
  });

  it('refuses API calls from another origin, another site, or not as JSON', async () => {
    const payload = { function: 'subscriptions', payload: { action: 'list' } };
    expect((await api(payload, { origin: 'http://attacker.example' })).status).toBe(403);
    const noOrigin = { cookie, 'content-type': 'application/json' };
    expect((await send(`${server.url}/api/invoke`, { method: 'POST', headers: noOrigin, body: JSON.stringify(payload) })).status).toBe(403);
    expect((await api(payload, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await api(payload, { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await api(payload, { cookie: 'crm_webhooks_console=forged' })).status).toBe(401);
  });

  it('forwards console payloads to the service and answers its errors in one line', async () => {
    const created = await api({ function: 'subscriptions', payload: { action: 'create', url: 'http://127.0.0.1:4999/hook' } });
    expect(created.status).toBe(200);
    const id = (JSON.parse(created.body) as { result: { subscription: { id: string } } }).result.subscription.id;
    const listed = JSON.parse((await api({ function: 'subscriptions', payload: { action: 'list' } })).body) as {
      result: { subscriptions: Array<{ id: string }> };
    };
    expect(listed.result.subscriptions.map((s) => s.id)).toContain(id);

    const refused = await api({ function: 'subscriptions', payload: { action: 'create', url: 'https://10.0.0.1/hook' } });
    expect(refused.status).toBe(422);
    expect(JSON.parse(refused.body)).toEqual({ error: expect.stringMatching(/10\.0\.0\.1 is in the private range/) });
    const unknown = await api({ function: 'sender', payload: {} });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toContain('function: must be one of subscriptions, resend, deliveries, dead-letters');
  });

  it('`crm-webhooks console` prints its one-time link, serves until Ctrl-C, and refuses a port in use', async () => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin/crm-webhooks.js'), 'console'], {
      cwd: repoRoot,
      env: { ...process.env, CRM_WEBHOOKS_ENDPOINT: service.runtime.url },
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await until(() => /token=/.test(out), 20_000, 'the console link');
    expect(out).toContain(`Support console for ${service.runtime.url}`);
    const link = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out)![0];
    expect((await send(link)).status).toBe(303);
    child.kill('SIGINT');
    expect(await exited).toBe(0);

    const taken = new URL(server.url).port;
    const run = await runCli(['--endpoint', service.runtime.url, 'console', '--port', taken]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`crm-webhooks: --port: ${taken} is in use on 127.0.0.1; pick another or leave --port out\n`);
  });
});
