// `crm-webhooks subscriptions ...` against the local runtime: in process, the first create also as
// the binary itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubscriptionView } from '../../lambdas/domain/subscription-view';
import { cliAt, oneErrorLine, spawnCli, startLocalService, type LocalService } from './cli-process';

describe('crm-webhooks subscriptions (local runtime)', () => {
  let service: LocalService;
  let cli: ReturnType<typeof cliAt>;

  beforeAll(async () => {
    service = await startLocalService();
    cli = cliAt(service.runtime.url);
  });
  afterAll(() => service.stop());

  it('creates a subscription, showing its secrets this once, then lists and gets it masked, as tables and as JSON', async () => {
    // The binary itself, once: a real process prints the table of a real answer.
    const created = await cliAt(service.runtime.url, spawnCli).ok(
      'subscriptions',
      'create',
      '--url',
      'http://127.0.0.1:4999/hook?secret=s3cr3t',
      '--event-type',
      'donation',
      '--event-type',
      'contact_update',
      '--header',
      'X-Api-Key: k3y',
      '--basic-auth',
      'crm:pa55word',
      '--signing-secret',
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      '--description',
      'Donations to the ERP',
    );
    const id = /│ id\s+│ (sub_[a-z2-7]{20}) /.exec(created)?.[1];
    expect(id).toBeDefined();
    expect(created).toMatch(/│ url\s+│ http:\/\/127\.0\.0\.1:4999\/hook\?secret=s3cr3t /);
    expect(created).toMatch(/│ event types\s+│ donation, contact_update /);
    expect(created).toMatch(/│ headers\s+│ X-Api-Key: k3y /);
    expect(created).toMatch(/│ basic auth\s+│ crm \/ pa55word /);
    expect(created).toContain('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(created).toMatch(/│ status\s+│ active /);
    expect(created).toContain('Shown only now');

    // Independent reads, run side by side to keep the suite quick.
    const [listed, listJson, got, gotJson] = await Promise.all([
      cli.ok('subscriptions', 'list'),
      cli.json<{ subscriptions: SubscriptionView[] }>('subscriptions', 'list'),
      cli.ok('subscriptions', 'get', id!),
      cli.json<{ subscription: SubscriptionView }>('subscriptions', 'get', id!),
    ]);
    const createdAt = '\\d{4}-\\d\\d-\\d\\dT';
    expect(listed).toMatch(
      new RegExp(
        `│ ${id} │ active │ closed +│ 10 in flight +│ http://127\\.0\\.0\\.1:4999/hook\\?secret=\\*\\*\\* +│ ` +
          `donation, contact_update │ Donations to the ERP │ ${createdAt}`,
      ),
    );
    expect(listed).toContain('1 subscription');
    expect(listed).not.toMatch(/s3cr3t|pa55word|k3y|MfKQ9r8G/);

    expect(listJson.subscriptions).toHaveLength(1);
    expect(listJson.subscriptions[0]).toMatchObject({
      id,
      url: 'http://127.0.0.1:4999/hook?secret=***',
      status: 'active',
      eventTypes: ['donation', 'contact_update'],
      headers: { 'X-Api-Key': '***' },
      basicAuth: { username: 'crm', password: '***' },
      description: 'Donations to the ERP',
    });

    expect(got).toMatch(/│ headers\s+│ X-Api-Key: \*\*\* /);
    expect(got).toMatch(/│ basic auth\s+│ crm \/ \*\*\* /);
    expect(got).toMatch(/│ signing secrets │ whsec_\*\*\* \(created \d{4}-/);
    expect(got).not.toMatch(/s3cr3t|pa55word|k3y|MfKQ9r8G/);
    expect(gotJson.subscription.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('updates and clears fields, disables, enables, rotates the secret and deletes', async () => {
    const { subscription } = await cli.json<{ subscription: SubscriptionView }>(
      'subscriptions',
      'create',
      '--url',
      'http://127.0.0.1:4999/other',
      '--event-type',
      'donation',
      '--description',
      'old',
    );
    const id = subscription.id;

    const updated = await cli.ok('subscriptions', 'update', id, '--clear-event-types', '--clear-description', '--header', 'X-Tenant: 42');
    expect(updated).toMatch(/│ event types\s+│ all /);
    expect(updated).toMatch(/│ headers\s+│ X-Tenant: \*\*\* /);
    expect(updated).not.toMatch(/│ description/);

    expect(await cli.ok('subscriptions', 'disable', id)).toMatch(/│ status\s+│ disabled \(manual\) /);
    expect(await cli.ok('subscriptions', 'enable', id)).toMatch(/│ status\s+│ active /);

    const rotated = await cli.ok('subscriptions', 'rotate-secret', id);
    const secret = /New signing secret \(shown only now\): (whsec_\S+)/.exec(rotated)?.[1];
    expect(secret).toBeDefined();
    // The table masks both secrets; the new one is printed once, below it.
    expect(rotated.split(secret!)).toHaveLength(2);
    expect(rotated).toMatch(/whsec_\*\*\* \(created [^)]+, stops signing \d{4}-/);

    const deleted = await cli.json<{ subscription: SubscriptionView }>('subscriptions', 'delete', id);
    expect(deleted.subscription.status).toBe('deleted');
  });

  it.concurrent('refuses an update that changes nothing, before sending it', async () => {
    const run = await cli.run('subscriptions', 'update', 'sub_aaaaaaaaaaaaaaaaaaaa');
    expect(run.code).toBe(1);
    expect(oneErrorLine(run)).toBe(
      'crm-webhooks: update changes nothing: give at least one of --url, --event-type, --header, --basic-auth, --description, ' +
        '--max-concurrency, --rate-limit or a --clear-... option',
    );
  });

  it.concurrent('reports a function error (a bad URL) as one line naming the field, exit status 1', async () => {
    const run = await cli.run('subscriptions', 'create', '--url', 'not a url');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(oneErrorLine(run)).toMatch(/^crm-webhooks: url must be an absolute URL/);
  });

  it.concurrent('reports an unknown subscription as one line naming it', async () => {
    const run = await cli.run('subscriptions', 'get', 'sub_aaaaaaaaaaaaaaaaaaaa');
    expect(run.code).toBe(1);
    expect(oneErrorLine(run)).toBe('crm-webhooks: id: no subscription sub_aaaaaaaaaaaaaaaaaaaa');
  });

  it('masks a bare query token in get, as a table and as JSON', async () => {
    const created = await cli.json<{ subscription: SubscriptionView }>(
      'subscriptions',
      'create',
      '--url',
      'http://127.0.0.1:4999/bare?BareT0ken-s3cr3t',
    );
    const [got, gotJson] = await Promise.all([
      cli.ok('subscriptions', 'get', created.subscription.id),
      cli.json<{ subscription: SubscriptionView }>('subscriptions', 'get', created.subscription.id),
    ]);
    expect(got).toMatch(/│ url\s+│ http:\/\/127\.0\.0\.1:4999\/bare\?\*\*\* /);
    expect(gotJson.subscription.url).toBe('http://127.0.0.1:4999/bare?***');
    expect(got + JSON.stringify(gotJson)).not.toContain('BareT0ken');
    await cli.ok('subscriptions', 'delete', created.subscription.id);
  });
});
