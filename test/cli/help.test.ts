// Every command documents itself: `--help` works everywhere and shows where the command talks to.
// Walks the real command tree; test/cli/errors.test.ts runs one `--help` as a process.
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../cli/program';

function leaves(command: Command, path: string[] = []): Array<{ path: string; command: Command }> {
  if (command.commands.length === 0) return [{ path: path.join(' '), command }];
  return command.commands.filter((c) => c.name() !== 'help').flatMap((c) => leaves(c, [...path, c.name()]));
}

const commands = leaves(buildProgram());

describe('crm-webhooks --help', () => {
  it('has every support command', () => {
    expect(commands.map((c) => c.path)).toEqual([
      'subscriptions create',
      'subscriptions list',
      'subscriptions get',
      'subscriptions update',
      'subscriptions disable',
      'subscriptions enable',
      'subscriptions delete',
      'subscriptions rotate-secret',
      'subscriptions test',
      'deliveries list',
      'deliveries show',
      'resend',
      'publish',
      'dead-letters list',
      'dead-letters show',
      'dead-letters redrive',
      'dead-letters purge',
      'console',
    ]);
  });

  it.each(commands)('$path: describes itself and lists the global options', ({ path, command }) => {
    const help = command.helpInformation();
    expect(help).toContain(`Usage: crm-webhooks ${path}`);
    expect(command.description()).not.toBe('');
    expect(help).toMatch(/-h, --help/);
    expect(help).toMatch(/Global Options:[\s\S]*--endpoint <url>[\s\S]*--stack <name>[\s\S]*--region <region>[\s\S]*--json/);
  });
});
