// The local runtime in a process of its own, as `npm start` runs it, for the memory and soak
// benchmarks: their load and receivers stay out of its memory and CPU. It reports its URL, then
// answers `memory` with process.memoryUsage(); SIGTERM stops it as main.ts does, SIGKILL kills it.
import type { Log } from '../../lambdas/domain/log';
import { startRuntime } from '../../local/runtime';

/**
 * BENCH_RUNTIME_LOG=stdout: Powertools JSON lines as `npm start` writes them; otherwise counted by
 * level and message (errors also printed).
 */
const counts: Record<string, number> = {};
const count = (level: string) => (message: string, fields?: Record<string, unknown>) => {
  const key = `${level}: ${message}`;
  counts[key] = (counts[key] ?? 0) + 1;
  if (level === 'error') process.stderr.write(`${message} ${JSON.stringify(fields ?? {})}\n`);
};
const log: Log | undefined =
  process.env.BENCH_RUNTIME_LOG === 'stdout'
    ? undefined
    : { debug: count('debug'), info: count('info'), warn: count('warn'), error: count('error') };

async function main(): Promise<void> {
  if (!process.send) throw new Error('runtime-process must be forked (it reports over IPC)');
  const runtime = await startRuntime({ log });
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'memory') process.send!({ type: 'memory', ...process.memoryUsage() });
    if (message.type === 'stats') process.send!({ type: 'stats', log: counts });
  });
  const stop = () => void runtime.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('disconnect', stop);
  process.send({ type: 'ready', url: runtime.url, pid: process.pid });
}

void main();
