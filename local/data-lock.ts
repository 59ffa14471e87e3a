// One runtime per data folder: the queues' journals and the DynamoDB store must have one writer.
// The lock is LevelDB's own: a small LevelDB store under the folder, opened for as long as the
// runtime runs. LevelDB holds an fcntl lock on its LOCK file through an open descriptor, which the
// kernel drops when the process ends however it ends (SIGKILL, crash), before the process is even
// reaped; a supervisor may start the next runtime at once. The owner's pid is written beside it for
// the message a refused start prints, never to decide anything.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';

export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}

export interface DataLock {
  release(): Promise<void>;
}

/** The lock store's folder under DATA_DIR. */
export const LOCK_DIR = 'runtime-lock';
const OWNER_FILE = 'owner';
/** What earlier versions used: a pid file, which outlived a killed runtime. */
const OLD_PID_FILE = 'runtime.lock';

/**
 * A process killed a moment ago may still be closing its files: a start right after it (a
 * supervisor's restart) waits this long for the lock before it gives up.
 */
const WAIT_FOR_DYING_OWNER_MS = 1_000;
const RETRY_MS = 50;

export async function lockDataDir(dataDir: string, waitMs = WAIT_FOR_DYING_OWNER_MS): Promise<DataLock> {
  const dir = join(dataDir, LOCK_DIR);
  const deadline = Date.now() + waitMs;
  const store = new ClassicLevel(dir);
  for (;;) {
    try {
      await store.open();
      break;
    } catch (error) {
      if ((error as { cause?: { code?: string } }).cause?.code !== 'LEVEL_LOCKED') throw error;
      if (Date.now() >= deadline) {
        throw new DataDirInUseError(
          `DATA_DIR ${dataDir} is in use by another runtime${ownerText(dir)}: stop it first, or give this one another DATA_DIR`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
  writeFileSync(join(dir, OWNER_FILE), String(process.pid));
  rmSync(join(dataDir, OLD_PID_FILE), { force: true });
  return { release: () => store.close() };
}

function ownerText(dir: string): string {
  try {
    const pid = readFileSync(join(dir, OWNER_FILE), 'utf8').trim();
    return /^\d+$/.test(pid) ? ` (pid ${pid})` : '';
  } catch {
    return '';
  }
}
