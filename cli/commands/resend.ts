// `crm-webhooks resend`: a dry run first, to count; past a threshold a confirmation (or --yes);
// then the delivery ids the dry run found are resent in chunks, with a progress bar for long runs.
// Resending exactly the ids that were counted means the confirmation covers what actually happens.
import { Option, type Command } from 'commander';
import type { ResendResult } from '../../lambdas/domain/resend';
import { deliveryStatuses } from '../../lambdas/domain/types';
import { chunk } from '../../lambdas/domain/chunk';
import { canAsk, confirm } from '../confirm';
import { CliError, describeError } from '../errors';
import { jsonText } from '../format/json';
import { resendText } from '../format/resend';
import { plural } from '../format/text';
import { collectStrings, nonNegativeInt, windowTime } from '../options';
import { startProgress } from '../progress';
import { addResult, emptyResult } from '../resend/results';
import { dryRunPayloads, type ResendOptions } from '../resend/selector';
import { print, withSession } from '../run';
import type { Session } from '../session';

const CHUNK = 100;
const DEFAULT_CONFIRM_ABOVE = 10;

interface Options extends ResendOptions {
  dryRun?: boolean;
  yes?: boolean;
  confirmAbove?: number;
}

async function dryRun(session: Session, options: ResendOptions): Promise<ResendResult> {
  let total = emptyResult(true);
  for (const payload of dryRunPayloads(options)) total = addResult(total, await session.invoke<ResendResult>('resend', payload));
  return total;
}

async function confirmed(session: Session, count: number, threshold: number, yes: boolean): Promise<void> {
  if (count <= threshold || yes) return;
  const what = plural(count, 'delivery', 'deliveries');
  if (!canAsk())
    throw new CliError(`not resending ${what} without confirmation (more than ${threshold}): add --yes, or run it in a terminal`);
  if (!(await confirm(`Resend ${what} on ${session.where()}?`))) throw new CliError('resend cancelled: nothing was resent');
}

async function resendInChunks(session: Session, counted: ResendResult): Promise<ResendResult> {
  const chunks = chunk(counted.deliveryIds, CHUNK);
  const progress = chunks.length > 1 ? startProgress(counted.deliveryIds.length, 'deliveries') : undefined;
  // The dry run did the matching; the chunks add what they resent and anything that changed since.
  const { matched, skipped, notFound, notToSubscription } = counted;
  let total: ResendResult = { ...emptyResult(false), matched, skipped, notFound, ...(notToSubscription ? { notToSubscription } : {}) };
  try {
    for (const deliveryIds of chunks) {
      const part = await session.invoke<ResendResult>('resend', { deliveryIds });
      total = addResult(total, { ...part, matched: 0 });
      progress?.advance(deliveryIds.length);
    }
  } catch (error) {
    if (total.resent === 0) throw error;
    throw new CliError(`${describeError(error, session.where())} (after resending ${total.resent} of ${counted.deliveryIds.length})`);
  } finally {
    progress?.stop();
  }
  return total;
}

export function addResendCommand(parent: Command): void {
  parent
    .command('resend')
    .description('resend deliveries with a fresh attempt budget: by delivery id, by event id, or by subscription and time window')
    .option('--delivery <id...>', 'delivery ids (<eventId>.<subscriptionId>)', collectStrings)
    .option('--event <id...>', 'event ids: every delivery of these events (narrow with --subscription)', collectStrings)
    .option('--subscription <id>', 'subscription id: with --from and --to, or to narrow --event')
    .option('--from <time>', 'window start, ISO 8601 (e.g. 2026-11-01T00:00:00Z; a date alone is midnight UTC)', windowTime)
    .option('--to <time>', 'window end, ISO 8601 (a date alone is midnight UTC)', windowTime)
    .addOption(new Option('--status <status>', 'only deliveries in this status (window only)').choices(deliveryStatuses))
    .option('--dry-run', 'only show what would be resent')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--confirm-above <n>', `ask for confirmation above this many deliveries (default ${DEFAULT_CONFIRM_ABOVE})`, nonNegativeInt)
    .action(async (options: Options, cmd: Command) =>
      withSession(cmd, async (session) => {
        const counted = await dryRun(session, options);
        if (options.dryRun) return print(session.json ? jsonText(counted) : resendText(counted));
        await confirmed(session, counted.deliveryIds.length, options.confirmAbove ?? DEFAULT_CONFIRM_ABOVE, options.yes === true);
        const result = await resendInChunks(session, counted);
        print(session.json ? jsonText(result) : resendText(result));
      }),
    );
}
