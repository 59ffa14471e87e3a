// The frame of every command: a session from the global options, the command's work, one place
// where errors become a one-line CliError naming what could not be reached, and clients closed.
import type { Command } from 'commander';
import { CliError, describeError } from './errors';
import { createSession, type GlobalOptions, type Session } from './session';

export async function withSession(command: Command, work: (session: Session) => Promise<void>): Promise<void> {
  const session = createSession(command.optsWithGlobals<GlobalOptions>());
  try {
    await work(session);
  } catch (error) {
    throw new CliError(describeError(error, session.where()));
  } finally {
    session.close();
  }
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
