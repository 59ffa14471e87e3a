// Entry point of `crm-webhooks` (bin/crm-webhooks.js, `npm run cli`, `tsx cli/main.ts`). Exit
// status 0 on success, 1 with one line on stderr on any error: never a stack trace.
import { runProgram } from './program';

// The SDK warns on every run under Node < 22 (a multi-line notice about its future releases);
// on a support terminal that buries the one-line answer. Set the variable to see it anyway.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// `crm-webhooks deliveries list --json | head`: the reader went away, which is not an error of ours.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

void runProgram(process.argv).then((code) => {
  process.exitCode = code;
});
