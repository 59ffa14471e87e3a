// The `crm-webhooks` command tree. Global options (where to talk to, output format) apply to every
// subcommand; errors of commander itself (unknown command, missing option) come out as the same
// one-line `crm-webhooks: ...` as the commands' own.
import { Command, CommanderError, Option } from 'commander';
import { version } from '../package.json';
import { addDeadLettersCommand } from './commands/dead-letters';
import { addConsoleCommand } from './commands/console';
import { addDeliveriesCommand } from './commands/deliveries';
import { addPublishCommand } from './commands/publish';
import { addResendCommand } from './commands/resend';
import { addSubscriptionsCommand } from './commands/subscriptions';
import { describeError, oneLine } from './errors';
import { PROGRAM_NAME } from './names';
import { ENDPOINT_VARIABLE, STACK_VARIABLE } from './session';
import { DEFAULT_ENDPOINT } from './target';

export { PROGRAM_NAME };

export function buildProgram(): Command {
  const program = new Command(PROGRAM_NAME)
    .description('Support CLI of the webhook delivery service: the same commands for the local runtime and a deployed stack.')
    .addOption(
      new Option('--endpoint <url>', `local runtime to talk to (default: $${ENDPOINT_VARIABLE}, else ${DEFAULT_ENDPOINT})`).conflicts(
        'stack',
      ),
    )
    .option('--stack <name>', `deployed stack to talk to, function names and queue from its outputs (default: $${STACK_VARIABLE})`)
    .option('--region <region>', 'AWS region of the stack (default: AWS_REGION or your AWS config)')
    .option('--json', 'print the raw JSON result, for scripts')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .version(version, '-V, --version')
    // Commander puts suggestions ("Did you mean ...?") on a line of their own; one line it is.
    .configureOutput({ outputError: (text, write) => write(`${PROGRAM_NAME}: ${oneLine(text.replace(/^error: /, ''))}\n`) })
    .showSuggestionAfterError(true)
    .exitOverride();
  addSubscriptionsCommand(program);
  addDeliveriesCommand(program);
  addResendCommand(program);
  addPublishCommand(program);
  addDeadLettersCommand(program);
  addConsoleCommand(program);
  return program;
}

/**
 * Runs one command line (`argv` as in process.argv: node, script, arguments) and gives its exit
 * status: 0 on success, else 1 (or commander's own status) after one line on stderr.
 */
export async function runProgram(argv: string[]): Promise<number> {
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
