// `npm start`: the local runtime in the foreground. Configuration by environment (local/config.ts);
// a bad value stops the start with one line naming it. Ctrl-C (SIGINT) or SIGTERM shuts down
// cleanly; a second signal exits at once (nothing accepted is lost either way: it is on disk).
import { ConfigError } from '../lambdas/config';
import { banner } from './banner';
import { startRuntime } from './runtime';

async function main(): Promise<void> {
  // Everything the runtime writes (tables, queue journals, schedules, the secrets key) is the user's alone.
  process.umask(0o077);
  // The SDK's multi-line notice that its 2027 releases need Node 22 says nothing about this run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let runtime;
  try {
    runtime = await startRuntime();
  } catch (error) {
    const message = error instanceof ConfigError ? error.message : `could not start: ${(error as Error).message}`;
    process.stderr.write(`crm-webhooks: ${message}\n`);
    process.exit(1);
  }
  process.stdout.write(`${banner(runtime.url, runtime.settings)}\n`);

  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`crm-webhooks: ${signal} again, exiting without waiting\n`);
      process.exit(130);
    }
    stopping = true;
    process.stderr.write(`crm-webhooks: ${signal}, finishing the batches in progress and stopping...\n`);
    runtime.stop().then(
      () => {
        process.stderr.write('crm-webhooks: stopped\n');
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`crm-webhooks: unclean stop: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

void main();
