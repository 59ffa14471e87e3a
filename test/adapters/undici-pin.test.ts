// The webhook client loads undici's internal files (lambdas/adapters/http/undici-core.ts), which are
// no public API: a minor release may move them. The version is pinned exactly so that an install
// never brings files the client was not tested against.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const json = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8')) as Record<string, unknown>;

describe('undici', () => {
  it('is pinned to an exact version, the one installed and locked', () => {
    const declared = (json('package.json').dependencies as Record<string, string>).undici;
    expect(declared).toMatch(/^\d+\.\d+\.\d+$/);
    expect((json('node_modules/undici/package.json') as { version: string }).version).toBe(declared);
    const locked = (json('package-lock.json').packages as Record<string, { version: string }>)['node_modules/undici'];
    expect(locked?.version).toBe(declared);
  });
});
