// One runtime per data folder: the queues' journals and the DynamoDB store must have one writer.
// The lock is a file holding the owner's pid, created exclusively. A lock left behind by a runtime
// that was killed (SIGKILL) names a process that no longer exists and is taken over.
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}

export interface DataLock {
  release(): void;
}

export function lockDataDir(dataDir: string): DataLock {
  const path = join(dataDir, 'runtime.lock');
  for (let tries = 0; tries < 2; tries += 1) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return { release: () => unlinkSync(path) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number(readFileSync(path, 'utf8'));
    if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
      throw new DataDirInUseError(`DATA_DIR ${dataDir} is in use by the runtime with pid ${owner} (stop it, or delete ${path} if that process is not a runtime)`);
    }
    unlinkSync(path);
  }
  throw new DataDirInUseError(`DATA_DIR ${dataDir}: another runtime is starting on it at the same time`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
