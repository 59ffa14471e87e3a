import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirInUseError, lockDataDir } from '../../local/data-lock';

describe('data folder lock', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'local-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('admits one holder at a time and is free again after release', () => {
    const lock = lockDataDir(dir);
    expect(readFileSync(join(dir, 'runtime.lock'), 'utf8')).toBe(String(process.pid));
    expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
    expect(() => lockDataDir(dir)).toThrow(new RegExp(`in use by the runtime with pid ${process.pid}`));
    lock.release();
    expect(existsSync(join(dir, 'runtime.lock'))).toBe(false);
    lockDataDir(dir).release();
  });

  it('takes over a lock left by a process that no longer exists (a killed runtime)', () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(join(dir, 'runtime.lock'), String(gone));
    const lock = lockDataDir(dir);
    expect(readFileSync(join(dir, 'runtime.lock'), 'utf8')).toBe(String(process.pid));
    lock.release();
  });
});
