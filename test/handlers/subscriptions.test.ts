import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startHarness, type Harness } from '../support/harness';

const SECRET = 's3cr3t-9f2c41';
const PASSWORD = 'pa55-w0rd-77aa';
const SUBSCRIPTION_ID = /^sub_[a-z2-7]{20}$/;

interface View {
  id: string;
  url: string;
  basicAuth?: { username: string; password: string };
  eventTypes?: string[];
  description?: string;
  status: string;
  disabledReason?: string;
  createdAt: string;
  updatedAt: string;
}

describe('subscriptions handler', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });
  afterEach(() => vi.restoreAllMocks());

  async function call(input: unknown): Promise<{ subscription: View }> {
    return (await h.subscriptions(input)) as { subscription: View };
  }

  async function list(input: Record<string, unknown> = {}): Promise<View[]> {
    return ((await h.subscriptions({ action: 'list', ...input })) as { subscriptions: View[] }).subscriptions;
  }

  async function create(fields: Record<string, unknown> = {}): Promise<View> {
    return (await call({ action: 'create', url: `https://example.com/hook?secret=${SECRET}`, ...fields })).subscription;
  }

  /** The handler's rejection, so a test can assert its name and message. */
  async function refusal(input: unknown, harness: Harness = h): Promise<Error> {
    const error = await harness.subscriptions(input).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    // The input may hold a test secret: name only its action in a failure message.
    expect(error, `expected the ${String((input as { action?: unknown } | null)?.action)} request to be refused`).toBeInstanceOf(Error);
    return error!;
  }

  function expectNoSecret(value: unknown, ...secrets: string[]): void {
    for (const secret of [SECRET, PASSWORD, ...secrets]) {
      expect(JSON.stringify(value)).not.toContain(secret);
      expect(h.log.text()).not.toContain(secret);
    }
  }

  describe('create', () => {
    it('returns the full subscription once, secret included, with a fresh id', async () => {
      const before = Date.now();
      const res = await call({
        action: 'create',
        url: `https://example.com/hook?secret=${SECRET}`,
        eventTypes: ['donation'],
        description: 'Donations to the ERP',
      });
      expect(Object.keys(res)).toEqual(['subscription']);
      const s = res.subscription;
      expect(s.id).toMatch(SUBSCRIPTION_ID);
      expect(s).toMatchObject({
        url: `https://example.com/hook?secret=${SECRET}`,
        status: 'active',
        eventTypes: ['donation'],
        description: 'Donations to the ERP',
      });
      expect(Date.parse(s.createdAt)).toBeGreaterThanOrEqual(before - 1000);
      expect(s.updatedAt).toBe(s.createdAt);
      expect(s.basicAuth).toBeUndefined();
      // Shown to support once, never logged.
      expect(h.log.text()).not.toContain(SECRET);
    });

    it('gives every subscription its own id', async () => {
      const ids = new Set<string>();
      for (let i = 0; i < 5; i += 1) ids.add((await create()).id);
      expect(ids.size).toBe(5);
    });

    it('leaves eventTypes out when absent: the subscription receives every event', async () => {
      const s = await create();
      expect(s.eventTypes).toBeUndefined();
      expect((await call({ action: 'get', id: s.id })).subscription.eventTypes).toBeUndefined();
    });

    it('moves Basic auth from the URL userinfo into basicAuth and strips it from the url', async () => {
      const s = (await call({ action: 'create', url: `https://crm:${PASSWORD}@example.com/basic` })).subscription;
      expect(s.url).toBe('https://example.com/basic');
      expect(s.basicAuth).toEqual({ username: 'crm', password: PASSWORD });
      const got = (await call({ action: 'get', id: s.id })).subscription;
      // A lone path segment may be the secret, so it is masked too (redaction.ts).
      expect(got.url).toBe('https://example.com/***');
      expect(got.basicAuth).toEqual({ username: 'crm', password: '***' });
      expectNoSecret(got);
    });

    it('decodes percent-encoded userinfo', async () => {
      const s = (await call({ action: 'create', url: 'https://crm%40org:p%3Ass%2Fw0rd@example.com/basic' })).subscription;
      expect(s.basicAuth).toEqual({ username: 'crm@org', password: 'p:ss/w0rd' });
      expect(s.url).toBe('https://example.com/basic');
    });

    it('takes Basic auth as basicAuth {username, password}', async () => {
      const s = await create({ url: 'https://example.com/basic', basicAuth: { username: 'crm', password: PASSWORD } });
      expect(s.basicAuth).toEqual({ username: 'crm', password: PASSWORD });
      const got = (await call({ action: 'get', id: s.id })).subscription;
      expect(got.basicAuth).toEqual({ username: 'crm', password: '***' });
      expectNoSecret(got);
    });

    it('refuses Basic auth in the URL and as basicAuth at once, without echoing either password', async () => {
      const error = await refusal({
        action: 'create',
        url: `https://crm:${PASSWORD}@example.com/basic`,
        basicAuth: { username: 'crm', password: 'other-pa55word' },
      });
      expect(error.name).toBe('ValidationError');
      expect(error.message).toMatch(/basicAuth/);
      expect(error.message).toMatch(/not both/);
      expectNoSecret(error.message, 'other-pa55word');
    });

    it('requires https when plain http is not allowed, with a clear message', async () => {
      const strict = await startHarness({ ALLOW_HTTP: 'false' });
      try {
        const error = await refusal({ action: 'create', url: `http://example.com/hook?secret=${SECRET}` }, strict);
        expect(error.name).toBe('ValidationError');
        expect(error.message).toMatch(/^url must use https/);
        expect(error.message).not.toContain(SECRET);
        expect(strict.log.text()).not.toContain(SECRET);
        const ok = (await strict.subscriptions({ action: 'create', url: `https://example.com/hook?secret=${SECRET}` })) as {
          subscription: View;
        };
        expect(ok.subscription.status).toBe('active');
      } finally {
        await strict.close();
      }
    });

    it('accepts plain http where configured (the local runtime)', async () => {
      expect((await create({ url: 'http://127.0.0.1:9/hook' })).url).toBe('http://127.0.0.1:9/hook');
    });
  });

  describe('redaction in every response but the create response', () => {
    it('masks query values, secret path segments and the Basic auth password in get, list, update, disable, enable, delete', async () => {
      const pathSecret = 'p4th-s3cr3t-segment';
      const created = await create({
        url: `https://example.com/hooks/${pathSecret}?token=${SECRET}&v=2`,
        basicAuth: { username: 'crm', password: PASSWORD },
        description: 'all the secrets',
      });
      expect(created.url).toBe(`https://example.com/hooks/${pathSecret}?token=${SECRET}&v=2`);
      const redacted = 'https://example.com/hooks/***?token=***&v=***';
      const responses: unknown[] = [];
      const check = (view: View | undefined) => {
        expect(view).toBeDefined();
        expect(view!.url).toBe(redacted);
        expect(view!.basicAuth).toEqual({ username: 'crm', password: '***' });
        responses.push(view);
      };

      check((await call({ action: 'get', id: created.id })).subscription);
      check((await list()).find((s) => s.id === created.id));
      check((await call({ action: 'update', id: created.id, description: 'changed' })).subscription);
      check((await call({ action: 'disable', id: created.id })).subscription);
      check((await list({ status: 'disabled' })).find((s) => s.id === created.id));
      check((await call({ action: 'enable', id: created.id })).subscription);
      check((await call({ action: 'delete', id: created.id })).subscription);
      check((await list({ status: 'deleted' })).find((s) => s.id === created.id));
      check((await call({ action: 'get', id: created.id })).subscription);
      expectNoSecret(responses, pathSecret);
    });

    it('masks a lone path segment holding the secret', async () => {
      const created = await create({ url: `https://example.com/${SECRET}` });
      const got = (await call({ action: 'get', id: created.id })).subscription;
      expect(got.url).toBe('https://example.com/***');
      expectNoSecret(got);
    });

    it('redacts the url an update sets, also when it carries Basic auth as userinfo', async () => {
      const created = await create();
      const updated = (await call({ action: 'update', id: created.id, url: `https://crm:${PASSWORD}@example.com/new?key=${SECRET}` }))
        .subscription;
      expect(updated.url).toBe('https://example.com/new?key=***');
      expect(updated.basicAuth).toEqual({ username: 'crm', password: '***' });
      expectNoSecret(updated);
    });
  });

  describe('bad input', () => {
    async function expectValidation(input: unknown, field: RegExp): Promise<Error> {
      const error = await refusal(input);
      expect(error.name).toBe('ValidationError');
      expect(error.message).toMatch(field);
      expect(error.message).not.toContain(SECRET);
      expect(error.message).not.toContain(PASSWORD);
      return error;
    }

    it('names the field of each problem and never echoes a secret', async () => {
      const url = `https://example.com/hook?secret=${SECRET}`;
      const { id } = await create();
      await expectValidation({ url }, /^action: is required/);
      await expectValidation(
        { action: 'explode', url },
        /^action: must be one of create, get, list, update, disable, enable, delete, rotate-secret, test$/,
      );
      await expectValidation({ action: 'create', url, secret: SECRET }, /unknown field `secret`/);
      await expectValidation({ action: 'create' }, /\burl\b/);
      await expectValidation({ action: 'create', url: `example.com/hook?secret=${SECRET}` }, /^url must be an absolute URL/);
      await expectValidation({ action: 'create', url: `/hook?secret=${SECRET}` }, /^url must be an absolute URL/);
      await expectValidation({ action: 'create', url: `ftp://example.com/hook?secret=${SECRET}` }, /^url must use https/);
      await expectValidation({ action: 'create', url: `https://example.com/hook#secret=${SECRET}` }, /^url must not contain a #fragment/);
      await expectValidation({ action: 'create', url, eventTypes: [] }, /eventTypes: must name at least one type/);
      await expectValidation({ action: 'create', url, eventTypes: 'donation' }, /eventTypes: must be an array/);
      await expectValidation({ action: 'create', url, eventTypes: [''] }, /eventTypes\.0: must not be empty/);
      await expectValidation({ action: 'create', url, basicAuth: { username: 'crm' } }, /basicAuth\.password: /);
      await expectValidation(
        { action: 'create', url, basicAuth: { username: 'crm', password: PASSWORD, extra: 1 } },
        /unknown field `extra`/,
      );
      await expectValidation({ action: 'create', url, basicAuth: `crm:${PASSWORD}` }, /basicAuth: must be an object/);
      await expectValidation({ action: 'create', url, description: 42 }, /description: must be a string/);
      await expectValidation({ action: 'get', id: 'nope' }, /^invalid get request: id: must be a subscription id/);
      await expectValidation({ action: 'get' }, /id: is required/);
      await expectValidation({ action: 'disable', id: `sub_${'A'.repeat(20)}` }, /id: must be a subscription id/);
      await expectValidation({ action: 'list', status: 'gone' }, /status: /);
      await expectValidation({ action: 'update', id }, /^update request changes nothing/);
      await expectValidation({ action: 'update', id, url: `https://example.com/x#${SECRET}` }, /^url must not contain a #fragment/);
      expect(h.log.text()).not.toContain(SECRET);
      expect(h.log.text()).not.toContain(PASSWORD);
    });

    it('refuses input that is not a JSON object', async () => {
      for (const input of [null, 'create', 42, [{ action: 'list' }]]) {
        await expectValidation(input, /must be a JSON object/);
      }
    });

    it('stores nothing for a refused create', async () => {
      const before = (await list()).length;
      await refusal({ action: 'create', url: 'https://example.com/hook#frag' });
      expect(await list()).toHaveLength(before);
    });
  });

  describe('lifecycle', () => {
    it('answers NotFoundError naming the id for an unknown subscription', async () => {
      const unknown = 'sub_aaaaaaaaaaaaaaaaaaaa';
      for (const action of ['get', 'disable', 'enable', 'delete']) {
        const error = await refusal({ action, id: unknown });
        expect(error.name).toBe('NotFoundError');
        expect(error.message).toContain(unknown);
      }
      const error = await refusal({ action: 'update', id: unknown, description: 'x' });
      expect(error.name).toBe('NotFoundError');
      expect(error.message).toContain(unknown);
    });

    it('disables and enables a subscription', async () => {
      const s = await create();
      const disabled = (await call({ action: 'disable', id: s.id })).subscription;
      expect(disabled).toMatchObject({ id: s.id, status: 'disabled', disabledReason: 'manual', createdAt: s.createdAt });
      expect((await call({ action: 'get', id: s.id })).subscription.status).toBe('disabled');
      const enabled = (await call({ action: 'enable', id: s.id })).subscription;
      expect(enabled.status).toBe('active');
      expect(enabled.disabledReason).toBeUndefined();
    });

    it('deletes: the subscription is hidden from list, get shows it deleted, and it can no longer be changed', async () => {
      const s = await create();
      h.clock.advance(1000);
      const deleted = (await call({ action: 'delete', id: s.id })).subscription;
      expect(deleted).toMatchObject({ id: s.id, status: 'deleted' });
      expect(Date.parse(deleted.updatedAt)).toBeGreaterThan(Date.parse(s.createdAt));
      expect((await list()).map((x) => x.id)).not.toContain(s.id);
      expect((await list({ status: 'deleted' })).map((x) => x.id)).toContain(s.id);
      expect((await call({ action: 'get', id: s.id })).subscription.status).toBe('deleted');
      for (const input of [
        { action: 'update', id: s.id, description: 'back?' },
        { action: 'enable', id: s.id },
        { action: 'disable', id: s.id },
        { action: 'delete', id: s.id },
      ]) {
        const error = await refusal(input);
        expect(error.name).toBe('NotFoundError');
        expect(error.message).toContain(s.id);
      }
      expect((await call({ action: 'get', id: s.id })).subscription.status).toBe('deleted');
    });

    it('lists active and disabled subscriptions by default, oldest first, and filters by status', async () => {
      const active = await create();
      h.clock.advance(1000);
      const disabled = await create();
      await call({ action: 'disable', id: disabled.id });
      h.clock.advance(1000);
      const deleted = await create();
      await call({ action: 'delete', id: deleted.id });

      const all = await list();
      const ids = all.map((s) => s.id);
      expect(ids).toContain(active.id);
      expect(ids).toContain(disabled.id);
      expect(ids).not.toContain(deleted.id);
      expect(ids.indexOf(active.id)).toBeLessThan(ids.indexOf(disabled.id));
      expect(all.map((s) => s.createdAt)).toEqual([...all.map((s) => s.createdAt)].sort());
      expect(new Set(all.map((s) => s.status))).toEqual(new Set(['active', 'disabled']));

      const onlyActive = await list({ status: 'active' });
      expect(onlyActive.every((s) => s.status === 'active')).toBe(true);
      expect(onlyActive.map((s) => s.id)).toContain(active.id);
      expect(onlyActive.map((s) => s.id)).not.toContain(disabled.id);
      const onlyDisabled = await list({ status: 'disabled' });
      expect(onlyDisabled.map((s) => s.id)).toContain(disabled.id);
      expect(onlyDisabled.every((s) => s.status === 'disabled')).toBe(true);
      expectNoSecret(all);
    });

    it('updates fields, and clears eventTypes and description with null', async () => {
      const s = await create({ eventTypes: ['donation'], description: 'first' });
      h.clock.advance(1000);
      const changed = (await call({ action: 'update', id: s.id, eventTypes: ['donation', 'contact_created'], description: 'second' }))
        .subscription;
      expect(changed).toMatchObject({
        id: s.id,
        status: 'active',
        eventTypes: ['donation', 'contact_created'],
        description: 'second',
        createdAt: s.createdAt,
      });
      expect(changed.updatedAt > s.updatedAt).toBe(true);
      expect(changed.url).toBe('https://example.com/hook?secret=***');

      const cleared = (await call({ action: 'update', id: s.id, eventTypes: null, description: null })).subscription;
      expect(cleared.eventTypes).toBeUndefined();
      expect(cleared.description).toBeUndefined();
      const got = (await call({ action: 'get', id: s.id })).subscription;
      expect(got.eventTypes).toBeUndefined();
      expect(got.description).toBeUndefined();
      expect(got.status).toBe('active');
    });

    it('updates the url and Basic auth, and removes Basic auth with null', async () => {
      const s = await create();
      const withAuth = (await call({ action: 'update', id: s.id, basicAuth: { username: 'crm', password: PASSWORD } })).subscription;
      expect(withAuth.basicAuth).toEqual({ username: 'crm', password: '***' });
      const moved = (await call({ action: 'update', id: s.id, url: 'https://example.org/v2/hook' })).subscription;
      expect(moved.url).toBe('https://example.org/v2/***');
      // A new url without userinfo keeps the stored credentials.
      expect(moved.basicAuth).toEqual({ username: 'crm', password: '***' });
      const noAuth = (await call({ action: 'update', id: s.id, basicAuth: null })).subscription;
      expect(noAuth.basicAuth).toBeUndefined();
      expect((await call({ action: 'get', id: s.id })).subscription.basicAuth).toBeUndefined();
      expectNoSecret([withAuth, moved, noAuth]);
    });

    it('refuses an update giving Basic auth in the url together with basicAuth, also with basicAuth null', async () => {
      const s = await create({ basicAuth: { username: 'crm', password: 'first-pa55word' } });
      for (const basicAuth of [{ username: 'crm', password: 'other-pa55word' }, null]) {
        const error = await refusal({ action: 'update', id: s.id, url: `https://crm:${PASSWORD}@example.com/hook`, basicAuth });
        expect(error.name).toBe('ValidationError');
        expect(error.message).toMatch(/not both/);
        expectNoSecret(error.message, 'other-pa55word', 'first-pa55word');
      }
      // Nothing changed.
      const got = (await call({ action: 'get', id: s.id })).subscription;
      expect(got.url).toBe('https://example.com/hook?secret=***');
      expect(got.basicAuth).toEqual({ username: 'crm', password: '***' });
    });

    it('keeps a disabled subscription disabled through an update', async () => {
      const s = await create();
      await call({ action: 'disable', id: s.id });
      const updated = (await call({ action: 'update', id: s.id, description: 'still off' })).subscription;
      expect(updated).toMatchObject({ status: 'disabled', disabledReason: 'manual', description: 'still off' });
    });
  });

  describe('unexpected errors', () => {
    it('answers an InternalError with a short message and logs the full error', async () => {
      const { id } = await create();
      const internals =
        'Requested resource not found: Table: subscriptions-deadbeef not found (arn:aws:dynamodb:eu-central-1:123456789012)';
      vi.spyOn(h.doc, 'send').mockRejectedValue(Object.assign(new Error(internals), { name: 'ResourceNotFoundException' }));
      for (const input of [
        { action: 'get', id },
        { action: 'list' },
        { action: 'create', url: `https://example.com/hook?secret=${SECRET}` },
      ]) {
        const logged = h.log.lines.length;
        const error = await refusal(input);
        expect(error.name).toBe('InternalError');
        expect(error.message).toBe('subscriptions failed: internal error, see the function log');
        expect(error.message).not.toMatch(/Table|arn:|dynamodb|ResourceNotFound/i);
        expect(error.stack ?? '').not.toContain(internals);
        const errors = h.log.lines.slice(logged).filter((l) => l.level === 'error');
        expect(errors).toHaveLength(1);
        expect(errors[0].message).toBe('subscriptions failed');
        expect(String(errors[0].fields?.error)).toContain(internals);
        expect(String(errors[0].fields?.stack)).toContain('ResourceNotFoundException');
      }
      expect(h.log.text()).not.toContain(SECRET);
    });
  });
});
