// `crm-webhooks dead-letters list|show|redrive|purge`: what sits in the events and deliveries
// dead-letter queues, and getting it out again. Redrive and purge name their messages, or take
// --all; purging everything asks first (or --yes). Each call moves at most 1,000 messages; --all
// repeats until the queue is empty or a round moves nothing.
import { Option, type Command } from 'commander';
import type { DeadLetterResponse, DeadLetterSummary } from '../../lambdas/domain/dead-letters';
import { canAsk, confirm } from '../confirm';
import { CliError } from '../errors';
import { jsonText } from '../format/json';
import { detailTable, listTable } from '../format/table';
import { plural, printable, singleLine, truncate } from '../format/text';
import { positiveInt } from '../options';
import { print, withSession } from '../run';
import type { Session } from '../session';

const QUEUES = ['events', 'deliveries'];
const queueOption = () => new Option('--queue <queue>', 'which dead-letter queue').choices(QUEUES).makeOptionMandatory();

type ListResult = Extract<DeadLetterResponse, { messages: unknown }>;
type ShowResult = Extract<DeadLetterResponse, { message: unknown }>;
type ChangeResult = { queue: string; redriven?: string[]; purged?: string[]; notFound: string[]; remaining: number };

function listText(result: ListResult): string {
  if (result.messages.length === 0) return `The ${result.queue} dead-letter queue is empty.`;
  const rows = result.messages.map((m: DeadLetterSummary) => [
    m.messageId,
    m.rejectedAt ?? m.sentAt,
    truncate(singleLine(m.reason), 60),
    m.bytes,
    truncate(singleLine(m.excerpt), 50),
  ]);
  const more = result.depth > result.messages.length ? `\n${result.depth - result.messages.length} more not shown (--limit)` : '';
  const table = listTable(['message id', 'time', 'reason', 'bytes', 'first bytes'], rows);
  return `${table}\n${plural(result.depth, 'message')} in the ${result.queue} dead-letter queue${more}`;
}

function showText({ queue, message }: ShowResult): string {
  const fields: Array<[string, string | number | undefined]> = [
    ['queue', queue],
    ['message id', message.messageId],
    ['reason', singleLine(message.reason)],
    ['sent', message.sentAt],
    ['rejected', message.rejectedAt],
    ['receives', message.receiveCount],
    ['bytes', message.bytes],
  ];
  return `${detailTable(fields)}\nBody:\n${printable(message.body)}`;
}

async function changeAll(session: Session, action: 'redrive' | 'purge', queue: string): Promise<ChangeResult> {
  const total: ChangeResult = { queue, [action === 'redrive' ? 'redriven' : 'purged']: [], notFound: [], remaining: 0 };
  for (;;) {
    const round = await session.invoke<ChangeResult>('dead-letters', { action, queue, all: true });
    const moved = (action === 'redrive' ? round.redriven : round.purged) ?? [];
    (action === 'redrive' ? total.redriven : total.purged)!.push(...moved);
    total.remaining = round.remaining;
    if (moved.length === 0 || round.remaining === 0) return total;
  }
}

function addChange(command: Command, action: 'redrive' | 'purge', description: string): void {
  command
    .command(action)
    .description(description)
    .addOption(queueOption())
    .argument('[message-id...]', 'message ids from `dead-letters list`')
    .option('--all', 'every message in the queue')
    .option('-y, --yes', 'do not ask before purging everything')
    .action(async (ids: string[], options: { queue: string; all?: boolean; yes?: boolean }, cmd: Command) =>
      withSession(cmd, async (session) => {
        if (ids.length > 0 === (options.all === true)) throw new CliError(`dead-letters ${action} needs message ids or --all (not both)`);
        if (options.all && action === 'purge' && !options.yes) {
          if (!canAsk())
            throw new CliError('not purging a whole dead-letter queue without confirmation: add --yes, or run it in a terminal');
          if (!(await confirm(`Delete every message in the ${options.queue} dead-letter queue on ${session.where()}?`)))
            throw new CliError('purge cancelled: nothing was deleted');
        }
        const result = options.all
          ? await changeAll(session, action, options.queue)
          : await session.invoke<ChangeResult>('dead-letters', { action, queue: options.queue, messageIds: ids });
        const done = (action === 'redrive' ? result.redriven : result.purged) ?? [];
        if (session.json) print(jsonText(result));
        else
          print(
            `${action === 'redrive' ? 'Redriven' : 'Purged'}: ${plural(done.length, 'message')}` +
              (result.notFound.length > 0 ? `; not found: ${result.notFound.join(', ')}` : '') +
              `; ${result.remaining} left in the ${options.queue} dead-letter queue`,
          );
        if (result.notFound.length > 0) throw new CliError(`not in the ${options.queue} dead-letter queue: ${result.notFound.join(', ')}`);
      }),
    );
}

export function addDeadLettersCommand(parent: Command): void {
  const command = parent.command('dead-letters').description('look at and recover the events and deliveries dead-letter queues');

  command
    .command('list')
    .description('messages in a dead-letter queue: id, time, reason, size and first bytes')
    .addOption(queueOption())
    .option('--limit <n>', 'most messages to show (default 20, at most 100)', positiveInt)
    .action(async (options: { queue: string; limit?: number }, cmd: Command) =>
      withSession(cmd, async (session) => {
        const result = await session.invoke<ListResult>('dead-letters', {
          action: 'list',
          queue: options.queue,
          ...(options.limit ? { limit: options.limit } : {}),
        });
        print(session.json ? jsonText(result) : listText(result));
      }),
    );

  command
    .command('show')
    .description('one message in full, with its reason and attributes')
    .addOption(queueOption())
    .argument('<message-id>', 'message id from `dead-letters list`')
    .action(async (messageId: string, options: { queue: string }, cmd: Command) =>
      withSession(cmd, async (session) => {
        const result = await session.invoke<ShowResult>('dead-letters', { action: 'show', queue: options.queue, messageId });
        print(session.json ? jsonText(result) : showText(result));
      }),
    );

  addChange(command, 'redrive', 'send messages back to their work queue (events: ingest again; deliveries: wake the sender again)');
  addChange(command, 'purge', 'delete messages for good');
}
