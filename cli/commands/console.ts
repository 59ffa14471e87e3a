// `crm-webhooks console [--port N]`: the support console in the browser, served on 127.0.0.1 by this
// process, talking to the same target as every other command (--endpoint, --stack, or the
// environment) through the same Lambda Invoke calls. Runs until Ctrl-C.
import type { Command } from 'commander';
import { buildConsoleAssets } from '../console/bundle';
import { startConsoleServer } from '../console/server';
import { CliError } from '../errors';
import { print } from '../run';
import { createSession, type GlobalOptions } from '../session';

function portNumber(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65_535) throw new CliError(`--port: must be a port number (0 to 65535), got ${value}`);
  return Number(value);
}

function stopped(): Promise<void> {
  return new Promise((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
  });
}

export function addConsoleCommand(parent: Command): void {
  parent
    .command('console')
    .description('the support console in your browser, on 127.0.0.1 (the printed link works once)')
    .option('--port <n>', 'port on 127.0.0.1 (default: a free one)', portNumber)
    .action(async (options: { port?: number }, cmd: Command) => {
      const session = createSession(cmd.optsWithGlobals<GlobalOptions>());
      try {
        const assets = await buildConsoleAssets();
        const server = await startConsoleServer({ session, assets, port: options.port }).catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'EADDRINUSE')
            throw new CliError(`--port: ${options.port} is in use on 127.0.0.1; pick another or leave --port out`);
          throw error;
        });
        print(
          `Support console for ${session.where()}, open in your browser (the link works once):\n  ${server.loginUrl}\nCtrl-C stops it.`,
        );
        await stopped();
        await server.close();
      } finally {
        session.close();
      }
    });
}
