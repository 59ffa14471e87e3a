// The local runtime's data folder: the user's alone (0700), the secrets key file 0600, and no
// subscription secret anywhere in its files.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRETS_KEY_FILE } from '../../local/runtime';
import { startE2eRuntime, type E2eRuntime } from '../e2e/support';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : entry.isFile() ? [join(dir, entry.name)] : [],
  );
}

describe('local data folder', () => {
  let e2e: E2eRuntime;
  beforeAll(async () => {
    e2e = await startE2eRuntime();
  });
  afterAll(() => e2e?.stop());

  it('is 0700, with the secrets key file 0600', () => {
    const dir = e2e.runtime.settings.dataDir;
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const key = join(dir, SECRETS_KEY_FILE);
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(statSync(key).size).toBe(32);
  });

  it('holds no subscription secret in clear in any file', async () => {
    const secrets = ['Url-S3cr3t-In-Query', 'Ba5ic-Pa55word', 'Head3r-Value-Secret', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'];
    const created = await e2e.subscribe({
      url: 'http://127.0.0.1:9/hook?token=Url-S3cr3t-In-Query',
      basicAuth: { username: 'crm', password: 'Ba5ic-Pa55word' },
      headers: { 'X-Api-Key': 'Head3r-Value-Secret' },
      signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    });
    await e2e.call('subscriptions', { action: 'update', id: created.id, description: 'written twice' });
    const contents = filesUnder(e2e.runtime.settings.dataDir).map((file) => readFileSync(file).toString('latin1'));
    expect(contents.join('\n')).toContain('written twice');
    for (const secret of secrets)
      expect(
        contents.some((text) => text.includes(secret)),
        secret,
      ).toBe(false);
    // Still readable by the runtime itself.
    const got = await e2e.call<{ subscription: { basicAuth: { username: string } } }>('subscriptions', { action: 'get', id: created.id });
    expect(got.subscription.basicAuth.username).toBe('crm');
  });
});
