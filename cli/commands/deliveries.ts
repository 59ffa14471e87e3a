// `crm-webhooks deliveries list|show`: the deliveries function's read-only queries.
import { Option, type Command } from 'commander';
import type { CircuitView } from '../../lambdas/domain/circuit';
import { deliveryStatuses, type Attempt, type Delivery } from '../../lambdas/domain/types';
import { CliError } from '../errors';
import { deliveryList, deliveryShow } from '../format/deliveries';
import { jsonText } from '../format/json';
import { positiveInt, windowTime } from '../options';
import { print, withSession } from '../run';
import type { Session } from '../session';

/** The function's page size limit (delivery-queries.ts MAX_PAGE). */
const MAX_PAGE = 500;
const DEFAULT_LIMIT = 100;

interface ListOptions {
  subscription?: string;
  from?: string;
  to?: string;
  status?: string;
  limit?: number;
  event?: string;
}

type Page = { deliveries: Delivery[]; cursor?: string };

/** Follows the cursor until `limit` deliveries are in hand or none are left. */
async function listWindow(session: Session, query: Record<string, unknown>, limit: number): Promise<Page> {
  const deliveries: Delivery[] = [];
  let cursor: string | undefined;
  do {
    const page = await session.invoke<Page>('deliveries', {
      ...query,
      limit: Math.min(MAX_PAGE, limit - deliveries.length),
      ...(cursor ? { cursor } : {}),
    });
    deliveries.push(...page.deliveries);
    cursor = page.cursor;
  } while (cursor && deliveries.length < limit);
  return cursor ? { deliveries, cursor } : { deliveries };
}

function listQuery(options: ListOptions): { query: Record<string, unknown>; window: boolean } {
  if (options.event !== undefined) {
    if (options.from !== undefined || options.to !== undefined || options.status !== undefined || options.limit !== undefined) {
      throw new CliError('--event lists every delivery of the event: give it alone (optionally with --subscription)');
    }
    return {
      query: { action: 'list', eventId: options.event, ...(options.subscription ? { subscriptionId: options.subscription } : {}) },
      window: false,
    };
  }
  const missing = (['subscription', 'from', 'to'] as const).filter((k) => options[k] === undefined).map((k) => `--${k}`);
  if (missing.length > 0) {
    throw new CliError(`deliveries list needs --event ID, or --subscription ID --from T --to T (missing ${missing.join(', ')})`);
  }
  const query: Record<string, unknown> = { action: 'list', subscriptionId: options.subscription, from: options.from, to: options.to };
  if (options.status) query.status = options.status;
  return { query, window: true };
}

export function addDeliveriesCommand(parent: Command): void {
  const command = parent.command('deliveries').description('look at deliveries and their attempt logs');

  command
    .command('list')
    .description('list the deliveries of a subscription in a time window, or of one event')
    .option('--subscription <id>', 'subscription id (with --from and --to; or to narrow --event)')
    .option(
      '--from <time>',
      'window start, ISO 8601 (e.g. 2026-11-01T00:00:00Z; a date alone is midnight UTC), by creation time',
      windowTime,
    )
    .option('--to <time>', 'window end, ISO 8601 (a date alone is midnight UTC)', windowTime)
    .addOption(new Option('--status <status>', 'only deliveries in this status').choices(deliveryStatuses))
    .option('--limit <n>', `most deliveries to fetch, following pages (default ${DEFAULT_LIMIT})`, positiveInt)
    .option('--event <id>', 'every delivery of this event id')
    .action(async (options: ListOptions, cmd: Command) =>
      withSession(cmd, async (session) => {
        const { query, window } = listQuery(options);
        const result = window
          ? await listWindow(session, query, options.limit ?? DEFAULT_LIMIT)
          : await session.invoke<Page>('deliveries', query);
        print(session.json ? jsonText(result) : deliveryList(result.deliveries, result.cursor !== undefined));
      }),
    );

  command
    .command('show')
    .description('one delivery and its attempt log')
    .argument('<delivery-id>', 'delivery id (<eventId>.<subscriptionId>)')
    .option('--bodies', 'also print the response body excerpt of each attempt')
    .action(async (deliveryId: string, options: { bodies?: boolean }, cmd: Command) =>
      withSession(cmd, async (session) => {
        const result = await session.invoke<{ delivery: Delivery; attempts: Attempt[]; circuit?: CircuitView }>('deliveries', {
          action: 'show',
          deliveryId,
        });
        print(session.json ? jsonText(result) : deliveryShow(result.delivery, result.attempts, options.bodies === true, result.circuit));
      }),
    );
}
