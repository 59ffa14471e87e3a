// Runs the CLI as a real process through bin/crm-webhooks.js, exactly what `npx crm-webhooks` runs
// (tsx registered in process: half the start-up cost of the tsx command, which starts a second
// node), and captures what it prints and its exit status. Asynchronous on purpose: the local runtime the CLI talks to runs in
// the test's own process and must keep serving while the CLI waits for it.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { silentLog } from '../../lambdas/domain/log';
import { startRuntime, type Runtime } from '../../local/runtime';

export const repoRoot = resolve(__dirname, '../..');
const bin = join(repoRoot, 'bin/crm-webhooks.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { env?: Record<string, string> } = {}): Promise<CliRun> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [bin, ...args],
      { cwd: repoRoot, env: { ...process.env, ...options.env }, timeout: 30_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
    // No TTY and nothing to read: a prompt would have to refuse, not hang.
    child.stdin?.end();
  });
}

/** `runCli` against one endpoint; fails the test with the CLI's stderr when it exits non-zero. */
export function cliAt(endpoint: string) {
  const run = (...args: string[]) => runCli(['--endpoint', endpoint, ...args]);
  const ok = async (...args: string[]): Promise<string> => {
    const result = await run(...args);
    if (result.code !== 0) throw new Error(`crm-webhooks ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return result.stdout;
  };
  const json = async <T = Record<string, unknown>>(...args: string[]): Promise<T> => JSON.parse(await ok('--json', ...args)) as T;
  return { run, ok, json };
}

/** What every failure must look like: exactly one line, naming the program, no stack trace. */
export function oneErrorLine(run: CliRun): string {
  const lines = run.stderr.split('\n').filter((line) => line !== '');
  if (lines.length !== 1 || !lines[0].startsWith('crm-webhooks: ') || /\n\s+at /.test(run.stderr)) {
    throw new Error(`expected one line "crm-webhooks: ..." on stderr, got:\n${run.stderr}`);
  }
  return lines[0];
}

export interface LocalService {
  runtime: Runtime;
  stop(): Promise<void>;
}

/** The local runtime in this process, on a free port, in a fresh data folder, with short retry waits. */
export async function startLocalService(env: Record<string, string> = {}): Promise<LocalService> {
  const dir = mkdtempSync(join(tmpdir(), 'cli-'));
  const runtime = await startRuntime({
    env: { PORT: '0', DATA_DIR: dir, RETRY_BASE_DELAY_MS: '200', ATTEMPT_TIMEOUT_MS: '1000', SUBSCRIPTION_CACHE_MS: '0', ...env },
    log: silentLog,
  }).catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    runtime,
    async stop() {
      await runtime.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}
