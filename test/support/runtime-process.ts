// A local runtime started as a process of its own (npm start, or node with tsx as a loader).
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { localCredentials } from '../../local/local-aws';

const repoRoot = resolve(__dirname, '../..');
const BANNER = /local runtime on (http:\/\/127\.0\.0\.1:\d+)/;

/** Resolves once the runtime prints its banner; rejects with its output if it exits first or takes longer than `timeoutMs`. */
export async function runtimeStarted(child: ChildProcess, timeoutMs: number): Promise<void> {
  await runtimeUrl(child, timeoutMs, () => {});
}

/** The URL the runtime's banner names, once printed; everything it writes goes to `collect` as well. */
function runtimeUrl(child: ChildProcess, timeoutMs: number, collect: (text: string) => void): Promise<string> {
  let output = '';
  return new Promise<string>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`runtime did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      collect(chunk.toString());
      const match = BANNER.exec(output);
      if (match) {
        clearTimeout(timer);
        ready(match[1]);
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

export interface RuntimeProcess {
  process: ChildProcess;
  url: string;
  /** Everything it printed so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SQS and Lambda clients pointed at it, without retries. */
  sqs: SQSClient;
  lambda: LambdaClient;
  /** Invokes one of its functions; a function error is thrown, with the function's answer. */
  invoke<T = Record<string, unknown>>(name: string, payload: unknown): Promise<T>;
  /** SIGKILLs it unless it has exited, and closes the clients. */
  dispose(): void;
}

/**
 * local/main.ts in one node process (tsx as a loader, so that a signal reaches the runtime itself) on
 * a free port, with `env` over this process's environment and `dataDir` as its data folder.
 */
export async function startRuntimeProcess(dataDir: string, env: Record<string, string>, timeoutMs = 30_000): Promise<RuntimeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, ...env, PORT: '0', DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  const kill = () => void (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
  const url = await runtimeUrl(child, timeoutMs, (text) => (output += text)).catch((error: unknown) => {
    kill();
    throw error;
  });
  const clientConfig = { endpoint: url, region: 'local', credentials: localCredentials(), maxAttempts: 1 };
  const sqs = new SQSClient(clientConfig);
  const lambda = new LambdaClient(clientConfig);
  return {
    process: child,
    url,
    output: () => output,
    exited,
    sqs,
    lambda,
    invoke: (name, payload) => invokeFunction(lambda, name, payload),
    dispose: () => {
      kill();
      sqs.destroy();
      lambda.destroy();
    },
  };
}

async function invokeFunction<T>(lambda: LambdaClient, name: string, payload: unknown): Promise<T> {
  const result = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: new TextEncoder().encode(JSON.stringify(payload)) }));
  const body = Buffer.from(result.Payload!).toString('utf8');
  if (result.FunctionError) throw new Error(`${name} answered a function error: ${body}`);
  return JSON.parse(body) as T;
}
