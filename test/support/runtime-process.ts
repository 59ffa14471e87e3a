// A local runtime started as a process of its own (npm start, or node with tsx as a loader).
import type { ChildProcess } from 'node:child_process';

/** Resolves once the runtime prints its banner; rejects with its output if it exits first or takes longer than `timeoutMs`. */
export function runtimeStarted(child: ChildProcess, timeoutMs: number): Promise<void> {
  let output = '';
  return new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`runtime did not start:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('local runtime on')) {
        clearTimeout(timer);
        ready();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`runtime exited (${code ?? signal}) before it started:\n${output}`));
    });
  });
}
