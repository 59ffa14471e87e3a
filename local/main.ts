// `npm start`: the local runtime in the foreground. Configuration by environment (local/config.ts);
// a bad value stops the start with one line naming it. Ctrl-C (SIGINT) or SIGTERM shuts down
// cleanly within a few seconds; a second signal exits at once (nothing accepted is lost either way:
// it is on disk, and an attempt cut short is resumed at the next start). `npm start` execs this
// file's node process (package.json), so the pid a supervisor signals is the runtime's own, with
// --heap-growing-percent=50: V8 would otherwise let the heap grow to up to four times its live data
// between full collections, and a steady load would see RSS swing by a third (bench/RESULTS.md).
import { ConfigError } from '../lambdas/config';
import { banner } from './banner';
import { startRuntime } from './runtime';

/** A stop waits for attempts in flight (up to their timeout) but no longer than this. */
const STOP_DEADLINE_MS = 4_000;

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
    // Supervisors wait a while before SIGKILL (systemd 90 s, docker stop 10 s); this stays well within.
    setTimeout(() => {
      process.stderr.write(
        `crm-webhooks: not stopped after ${STOP_DEADLINE_MS} ms (a slow receiver); ` +
          'exiting, the attempts cut short resume at the next start\n',
      );
      process.exit(0);
    }, STOP_DEADLINE_MS).unref();
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
