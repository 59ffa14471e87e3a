import { mkdtempSync, rmSync } from 'node:fs';
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

  it('admits one holder at a time, names the holder, and is free again after release', async () => {
    const lock = await lockDataDir(dir);
    await expect(lockDataDir(dir, 0)).rejects.toThrow(DataDirInUseError);
    await expect(lockDataDir(dir, 0)).rejects.toThrow(`DATA_DIR ${dir} is in use by another runtime (pid ${process.pid})`);
    await lock.release();
    await (await lockDataDir(dir, 0)).release();
  });

  it('waits for a holder that lets go within the wait (a process still dying)', async () => {
    const lock = await lockDataDir(dir);
    setTimeout(() => void lock.release(), 200);
    const started = Date.now();
    await (await lockDataDir(dir, 2_000)).release();
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });
});
