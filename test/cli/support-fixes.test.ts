// The support CLI as a newcomer meets it (in process against the local runtime; the target from the
// environment as the binary itself): a test event to one subscription, the target from the
// environment, publish naming its events and repeats, warnings and refusals at setup, and the
// messages that used to mislead.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { banner } from '../../local/banner';
import { readLocalSettings } from '../../local/config';
import { startReceiver, type Receiver } from '../support/receiver';
import { sampleEventsDir } from '../support/samples';
import { cliAt, oneErrorLine, repoRoot, runCli, spawnCli, startLocalService, until, type LocalService } from './cli-process';

const donation = join(sampleEventsDir, 'donation.json');

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, args, { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 30_000 }, (error, stdout, stderr) =>
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

async function answering(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('crm-webhooks support fixes (local runtime)', () => {
  let service: LocalService;
  let cli: ReturnType<typeof cliAt>;
  let first: Receiver;
  let second: Receiver;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    service = await startLocalService();
    cli = cliAt(service.runtime.url);
    [first, second] = await Promise.all([startReceiver(), startReceiver()]);
  });
  afterAll(async () => {
    await Promise.all([first.close(), second.close()]);
    await service.stop();
  });

  it('publish prints each event id, and says when that id was ingested before', async () => {
    const fresh = await cli.ok('publish', donation);
    expect(fresh).toMatch(/│ .*donation\.json │ 182\s+│ [\w-]+ │ new /);
    // Ingested once the events queue is empty: ingest deletes its message after the fan-out is stored.
    await until(() => service.runtime.queues.events.messages().length === 0, 10_000, 'the ingest of the first publish');
    const table = await cli.ok('publish', donation);
    expect(table).toMatch(/already ingested .* \(to 0 subscriptions then\): delivers nothing new/);
    expect(table).toContain('subscriptions test ID --event FILE');
  });

  it('create warns of an event type the CRM does not publish and refuses a target the SSRF guard blocks', async () => {
    const warned = await cli.run('subscriptions', 'create', '--url', `${first.url}/hook`, '--event-type', 'donaton,webhook.test');
    expect(warned.code).toBe(0);
    expect(warned.stderr).toMatch(
      /^crm-webhooks: warning: eventTypes: "donaton" is not a type the CRM is known to publish \(did you mean donation\? known: .*\n$/,
    );
    ids.first = /│ id\s+│ (sub_[a-z2-7]{20})/.exec(warned.stdout)![1]!;

    const [privateIp, metadata] = await Promise.all([
      cli.run('subscriptions', 'create', '--url', 'https://10.0.0.1/hook'),
      cli.run('subscriptions', 'update', ids.first, '--url', 'http://169.254.169.254/latest'),
    ]);
    expect(oneErrorLine(privateIp)).toMatch(
      /url: 10\.0\.0\.1 is in the private range; the sender only calls public addresses, so every attempt would be blocked$/,
    );
    expect(oneErrorLine(metadata)).toMatch(/url: 169\.254\.169\.254 is in the linkLocal range/);
  });

  it('update takes repeated --event-type before the id (no option swallows it)', async () => {
    const updated = await cli.json<{ subscription: { eventTypes: string[] } }>(
      'subscriptions',
      'update',
      '--event-type',
      'donation',
      '--event-type',
      'webhook.test',
      ids.first,
    );
    expect(updated.subscription.eventTypes).toEqual(['donation', 'webhook.test']);
  });

  it('subscriptions test sends to that subscription only, recorded in its attempt log', async () => {
    ids.second = (
      await cli.json<{ subscription: { id: string } }>('subscriptions', 'create', '--url', `${second.url}/hook`)
    ).subscription.id;
    const out = await cli.ok('subscriptions', 'test', ids.first, '--wait');
    expect(out).toMatch(
      new RegExp(
        `^Test event (test-[0-9a-f-]+) \\(webhook\\.test\\) sent to ${ids.first} only: ` +
          `delivery test-[0-9a-f-]+\\.${ids.first}\\nAttempt 1: delivered 200 in \\d+`,
      ),
    );
    const [request] = await first.waitForRequests(1);
    expect(JSON.parse(request.body.toString('utf8'))).toMatchObject({ type: 'webhook.test', subscriptionId: ids.first });
    expect(second.requests).toHaveLength(0);

    const sample = await cli.json<{ test: { eventId: string; deliveryId: string }; attempts: Array<{ outcome: string }> }>(
      'subscriptions',
      'test',
      ids.first,
      '--event',
      donation,
      '--wait',
    );
    expect(sample.attempts.map((a) => a.outcome)).toEqual(['delivered']);
    const body = JSON.parse(first.requests[1].body.toString('utf8')) as Record<string, unknown>;
    expect(body).toMatchObject({ id: sample.test.eventId, type: 'donation', amount: '10.00 EUR' });
    expect(Object.keys(body)[0]).toBe('id');
    expect(await cli.ok('deliveries', 'show', sample.test.deliveryId)).toMatch(/│ 1 │ initial │ .* │ delivered\s+│ 200 /);
    expect(second.requests).toHaveLength(0);

    await cli.ok('subscriptions', 'disable', ids.second);
    expect(oneErrorLine(await cli.run('subscriptions', 'test', ids.second))).toBe(
      `crm-webhooks: id: subscription ${ids.second} is disabled: enable it before sending a test event`,
    );
  });

  it('resend by event and subscription tells an event the subscription never got from an unknown event', async () => {
    const out = await cli.ok('resend', '--event', '182', '999999', '--subscription', ids.first, '--dry-run');
    expect(out).toContain('Not found (1): 999999');
    expect(out).toContain('No delivery to that subscription (1): 182 (the event exists; it was not fanned out to it)');
  });

  it('a date alone is midnight UTC', async () => {
    const json = await cli.json<{ deliveries: unknown[] }>(
      'deliveries',
      'list',
      '--subscription',
      ids.first,
      '--from',
      '2026-01-01',
      '--to',
      '2100-01-01',
    );
    expect(json.deliveries.length).toBe(2);
    expect(
      oneErrorLine(await cli.run('deliveries', 'list', '--subscription', ids.first, '--from', '2026-02-31', '--to', '2100-01-01')),
    ).toContain('not a calendar date');
  });

  it('a deleted subscription says so', async () => {
    await cli.ok('subscriptions', 'delete', ids.second);
    expect(oneErrorLine(await cli.run('subscriptions', 'delete', ids.second))).toMatch(
      new RegExp(`^crm-webhooks: id: subscription ${ids.second} was deleted \\(\\d{4}-.*\\); create a new one$`),
    );
  });

  it('takes the endpoint from CRM_WEBHOOKS_ENDPOINT, a flag still winning, and refuses two targets from the environment', async () => {
    const [fromEnv, flagWins, both] = await Promise.all([
      spawnCli(['--json', 'subscriptions', 'list'], { env: { CRM_WEBHOOKS_ENDPOINT: service.runtime.url } }),
      spawnCli(['--endpoint', service.runtime.url, 'subscriptions', 'list'], { env: { CRM_WEBHOOKS_STACK: 'CrmWebhooks' } }),
      spawnCli(['subscriptions', 'list'], { env: { CRM_WEBHOOKS_ENDPOINT: service.runtime.url, CRM_WEBHOOKS_STACK: 'CrmWebhooks' } }),
    ]);
    expect(fromEnv.code).toBe(0);
    const listed = JSON.parse(fromEnv.stdout) as { subscriptions: { id: string }[] };
    expect(listed.subscriptions.map((s) => s.id)).toContain(ids.first);
    expect(flagWins.code).toBe(0);
    expect(oneErrorLine(both)).toBe(
      'crm-webhooks: both CRM_WEBHOOKS_ENDPOINT and CRM_WEBHOOKS_STACK are set: unset one, or give --endpoint or --stack',
    );
  });
});

describe.concurrent('crm-webhooks messages that used to mislead', () => {
  it('an endpoint that is not this service: not JSON, or an error without a word', async () => {
    const text = await answering((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n'));
    const html = await answering((_req, res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<html>nope</html>'));
    const empty = await answering((_req, res) => res.writeHead(500).end());
    try {
      const [a, b, c] = await Promise.all([text, html, empty].map((s) => runCli(['--endpoint', s.url, 'subscriptions', 'list'])));
      expect(oneErrorLine(a)).toBe(
        `crm-webhooks: ${text.url} answered the subscriptions function's call with something that is not JSON: ` +
          `is it the crm-webhooks local runtime (npm start) or a stack (--stack NAME)?`,
      );
      expect(oneErrorLine(b)).toBe(
        `crm-webhooks: ${html.url} answered HTTP 404 with something that is not JSON: is it the crm-webhooks local runtime (npm start) ` +
          `or a stack (--stack NAME)?`,
      );
      expect(oneErrorLine(c)).toBe(
        `crm-webhooks: ${empty.url} answered HTTP 500 without saying why: is it the crm-webhooks local runtime (npm start) ` +
          `or a stack (--stack NAME)?`,
      );
    } finally {
      for (const s of [text, html, empty]) s.server.close();
    }
  });

  it('the start banner prints ready-to-run CLI lines with the actual port, and says the AWS CLI example needs v2', () => {
    const text = banner('http://127.0.0.1:4100', readLocalSettings({ PORT: '4100' }));
    expect(text).toContain('export CRM_WEBHOOKS_ENDPOINT=http://127.0.0.1:4100');
    expect(text).toContain('npx crm-webhooks subscriptions test sub_');
    expect(text).toContain('AWS CLI v2');
  });

  it('npm run receiver -- --help prints the usage, and --fail N fails each delivery N times', async () => {
    const help = await run(['--import', 'tsx', 'local/receiver.ts', '--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^usage: npm run receiver -- \[--port 4001\] \[--fail N\]\n/);

    // Port 0: the system picks a free one, which the receiver's first line names.
    const receiver = execFile(process.execPath, ['--import', 'tsx', 'local/receiver.ts', '--port', '0', '--fail', '1'], { cwd: repoRoot });
    try {
      let banner = '';
      receiver.stdout!.on('data', (chunk: Buffer) => (banner += chunk.toString('utf8')));
      await until(() => /listening on http:\/\/127\.0\.0\.1:\d+\//.test(banner), 20_000, 'the receiver to listen');
      const port = /127\.0\.0\.1:(\d+)\//.exec(banner)![1];
      const post = (id: string) =>
        fetch(`http://127.0.0.1:${port}/hook`, { method: 'POST', headers: { 'webhook-id': id }, body: '{}' }).then((r) => r.status);
      expect([await post('1.sub_a'), await post('2.sub_a'), await post('1.sub_a'), await post('2.sub_a')]).toEqual([500, 500, 200, 200]);
    } finally {
      receiver.kill();
    }
  });

  it('a bad CDK context value is one line, no stack trace', async () => {
    const synth = await run(['--import', 'tsx', 'bin/app.ts'], {
      CDK_CONTEXT_JSON: JSON.stringify({ maxAttempts: 'abc' }),
      CDK_OUTDIR: '/tmp/cdk-context-test',
    });
    expect(synth.code).toBe(1);
    expect(synth.stderr).toBe(
      'invalid CDK context "maxAttempts": expected a value MAX_ATTEMPTS accepts (Invalid input: expected number, received NaN), ' +
        'got "abc" (set in cdk.json or with -c key=value)\n',
    );
  });
});
