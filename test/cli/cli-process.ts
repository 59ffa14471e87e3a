// Runs the CLI and captures what it prints and its exit status: in this process through the program
// object (runCli: the same command tree and error handling as the binary, without a process and
// tsx start per run), or as a real process through bin/crm-webhooks.js (spawnCli: exactly what
// `npx crm-webhooks` runs, for the few tests that prove the binary itself works). Asynchronous on
// purpose: the local runtime the CLI talks to runs in the test's own process and must keep serving
// while the CLI waits for it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runProgram } from '../../cli/program';
import { silentLog } from '../../lambdas/domain/log';
import { startRuntime, type Runtime } from '../../local/runtime';

export const repoRoot = resolve(__dirname, '../..');
const bin = join(repoRoot, 'bin/crm-webhooks.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** What one in-process run has printed so far; runs may overlap (describe.concurrent), each keeps its own. */
const output = new AsyncLocalStorage<{ stdout: string; stderr: string }>();

/** Routes writes made inside a run to that run's output; every other write goes through as before. */
function captureWrites(name: 'stdout' | 'stderr'): void {
  const stream = process[name];
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    const run = output.getStore();
    if (!run) return write(chunk, ...rest);
    run[name] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const callback = rest.find((arg): arg is () => void => typeof arg === 'function');
    if (callback) process.nextTick(callback);
    return true;
  };
}
captureWrites('stdout');
captureWrites('stderr');
// As under the spawned binary (stdin and stderr pipes): no terminal, so no prompt, whatever runs the tests.
process.stdin.isTTY = false;
process.stderr.isTTY = false;

/** The CLI in this process: `crm-webhooks ...args`, its exit status and output. */
export async function runCli(args: string[]): Promise<CliRun> {
  const run = { stdout: '', stderr: '' };
  const code = await output.run(run, () => runProgram([process.execPath, bin, ...args]));
  return { code, ...run };
}

/** The CLI as a real process, through bin/crm-webhooks.js; `env` adds to this process's environment. */
export function spawnCli(args: string[], options: { env?: Record<string, string> } = {}): Promise<CliRun> {
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

/**
 * The CLI against one endpoint, in process unless `through` is spawnCli; `ok` and `json` fail the test
 * with the CLI's stderr when it exits non-zero.
 */
export function cliAt(endpoint: string, through: (args: string[]) => Promise<CliRun> = runCli) {
  const run = (...args: string[]) => through(['--endpoint', endpoint, ...args]);
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

export { until } from '../support/wait';
