// Forks a TypeScript helper process (the tsx loader is inherited from this process's execArgv) and
// waits for its first message, bounded in time.
import { fork, type ChildProcess, type ForkOptions } from 'node:child_process';

export interface Child<T> {
  process: ChildProcess;
  first: T;
  /** Sends `request` and resolves with the next message of type `type`. */
  ask<R>(request: Record<string, unknown>, type: string, timeoutMs?: number): Promise<R>;
  stop(): Promise<void>;
}

export async function forkChild<T>(file: string, options: ForkOptions = {}, timeoutMs = 120_000): Promise<Child<T>> {
  const child = fork(file, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], ...options });
  const first = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not report within ${timeoutMs} ms`)), timeoutMs);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message as T);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with ${code} before reporting`));
    });
  });
  return {
    process: child,
    first,
    ask<R>(request: Record<string, unknown>, type: string, askTimeoutMs = 30_000) {
      return new Promise<R>((resolve, reject) => {
        const timer = setTimeout(() => {
          child.off('message', onMessage);
          reject(new Error(`${file} did not answer ${type} within ${askTimeoutMs} ms`));
        }, askTimeoutMs);
        const onMessage = (message: unknown) => {
          if ((message as { type?: string }).type !== type) return;
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve(message as R);
        };
        child.on('message', onMessage);
        child.send(request);
      });
    },
    stop() {
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        if (child.connected) child.disconnect();
        else child.kill('SIGTERM');
      });
    },
  };
}
