// The runtime as a user or a supervisor runs it: `npm start` (which execs node with tsx as a loader),
// stopped by SIGTERM or SIGINT sent to the process that was started, and started again at once
// after a SIGKILL on the same data folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCK_DIR, lockDataDir } from '../../local/data-lock';
import { closedPort } from '../support/receiver';
import { runtimeStarted } from '../support/runtime-process';

const repoRoot = resolve(__dirname, '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const exitOf = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => done({ code, signal }));
  });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((answer) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      answer(true);
    });
    socket.once('error', () => answer(false));
  });
}

describe('the started process', () => {
  let dir: string;
  let env: Record<string, string>;
  let port: number;
  const children: ChildProcess[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'local-process-'));
    port = await closedPort();
    env = { ...(process.env as Record<string, string>), PORT: String(port), DATA_DIR: dir, POWERTOOLS_LOG_LEVEL: 'ERROR' };
  });
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const runtimePid = () => Number(readFileSync(join(dir, LOCK_DIR, 'owner'), 'utf8'));

  it.each(['SIGTERM', 'SIGINT'] as const)(
    '`npm start` stops the runtime cleanly within 5 s on %s to the npm process',
    async (signal) => {
      const child = spawn(npm, ['start'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      await runtimeStarted(child, 30_000);
      const pid = runtimePid();
      expect(pid).not.toBe(child.pid);

      const sentAt = Date.now();
      child.kill(signal);
      await exitOf(child);
      while (alive(pid) && Date.now() - sentAt < 5_000) await new Promise((r) => setTimeout(r, 20));
      expect(Date.now() - sentAt).toBeLessThan(5_000);
      expect(alive(pid)).toBe(false);
      expect(await portOpen(port)).toBe(false);
      // The lock went with it.
      await (await lockDataDir(dir, 0)).release();
    },
    60_000,
  );

  it('starts again on the same folder right after a SIGKILL (within 0.5 s)', async () => {
    const first = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(first);
    await runtimeStarted(first, 30_000);
    first.kill('SIGKILL');
    // Not waiting for the exit to be reaped: a supervisor restarts as soon as it sees the process end.
    await new Promise((r) => setTimeout(r, 500));
    const second = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(second);
    await runtimeStarted(second, 30_000);
    expect(await portOpen(port)).toBe(true);
    second.kill('SIGTERM');
    expect(await exitOf(second)).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('takes the lock within 0.5 s of a SIGKILL, before the killed process is even reaped', async () => {
    const first = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(first);
    await runtimeStarted(first, 30_000);
    const killedAt = Date.now();
    first.kill('SIGKILL');
    const lock = await lockDataDir(dir, 500);
    expect(Date.now() - killedAt).toBeLessThan(500);
    await lock.release();
  }, 60_000);
});
