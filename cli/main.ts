// Entry point of `crm-webhooks` (bin/crm-webhooks.js, `npm run cli`, `tsx cli/main.ts`). Exit
// status 0 on success, 1 with one line on stderr on any error: never a stack trace.
import { CommanderError } from 'commander';
import { describeError } from './errors';
import { buildProgram, PROGRAM_NAME } from './program';

async function main(argv: string[]): Promise<number> {
  // The SDK warns on every run under Node < 22 (a multi-line notice about its future releases);
  // on a support terminal that buries the one-line answer. Set the variable to see it anyway.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    // Commander has already printed its own message (through outputError) or the help.
    if (error instanceof CommanderError) return error.exitCode;
    process.stderr.write(`${PROGRAM_NAME}: ${describeError(error, 'the service')}\n`);
    return 1;
  }
}

// `crm-webhooks deliveries list --json | head`: the reader went away, which is not an error of ours.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

void main(process.argv).then((code) => {
  process.exitCode = code;
});
