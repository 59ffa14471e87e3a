// `crm-webhooks subscriptions ...`: one subcommand per action of the subscriptions function, each
// sending exactly the console payload of docs/support.md, "Lambda console payloads".
import { Option, type Command } from 'commander';
import type { SubscriptionsResponse, SubscriptionView } from '../../lambdas/domain/subscriptions';
import { CliError } from '../errors';
import { PROGRAM_NAME } from '../names';
import { jsonText } from '../format/json';
import { CREATED_NOTE, rotatedNote, subscriptionDetail, subscriptionList } from '../format/subscriptions';
import { basicAuth, collect, collectList, header, headersObject, positiveInt } from '../options';
import { print, withSession } from '../run';
import type { Session } from '../session';
import { addSubscriptionTestCommand } from './subscription-test';

type One = { subscription: SubscriptionView; signingSecret?: string; warnings?: string[] };

interface TargetOptions {
  url?: string;
  eventType?: string[];
  header?: Array<[string, string]>;
  basicAuth?: { username: string; password: string };
  signingSecret?: string;
  description?: string;
  maxConcurrency?: number;
  rateLimit?: number;
}

interface UpdateOptions extends TargetOptions {
  clearEventTypes?: boolean;
  clearHeaders?: boolean;
  clearDescription?: boolean;
  clearBasicAuth?: boolean;
  defaultMaxConcurrency?: boolean;
  clearRateLimit?: boolean;
}

const ID_ARGUMENT = ['<id>', 'subscription id (sub_...)'] as const;

function addFieldOptions(command: Command, verb: 'sets' | 'replaces'): Command {
  return command
    .option(
      '--event-type <type>',
      `event type to receive (repeatable, or comma-separated); ${verb === 'sets' ? 'without it, every event' : 'replaces the list'}`,
      collectList,
    )
    .option(
      '--header <header>',
      `static header "Name: value" sent with every request, e.g. "X-Api-Key: k3y" (repeatable; ${verb} all)`,
      collect(header),
    )
    .option('--basic-auth <user:password>', 'HTTP Basic auth credentials', basicAuth)
    .option('--description <text>', 'free text for support')
    .option('--max-concurrency <n>', 'most requests in flight to the receiver at once (default 10)', positiveInt)
    .option('--rate-limit <n>', 'most requests per second to the receiver (default: no rate limit)', positiveInt);
}

function addLimits(payload: Record<string, unknown>, options: TargetOptions): void {
  if (options.maxConcurrency !== undefined) payload.maxConcurrency = options.maxConcurrency;
  if (options.rateLimit !== undefined) payload.rateLimit = options.rateLimit;
}

async function call(session: Session, payload: Record<string, unknown>): Promise<SubscriptionsResponse> {
  return session.invoke<SubscriptionsResponse>('subscriptions', payload);
}

function show(session: Session, response: SubscriptionsResponse, note?: string): void {
  // Accepted but likely not meant (an event type the CRM does not publish): said on stderr, so
  // `--json` output stays the function's answer.
  for (const warning of (response as One).warnings ?? []) process.stderr.write(`${PROGRAM_NAME}: warning: ${warning}\n`);
  if (session.json) return print(jsonText(response));
  if ('subscriptions' in response) return print(subscriptionList(response.subscriptions));
  const one = response as One;
  print(subscriptionDetail(one.subscription));
  if (note) print(note);
}

/** Added with `parent.command()`, so the subcommands inherit the program's output and exit settings. */
export function addSubscriptionsCommand(parent: Command): void {
  const command = parent.command('subscriptions').description('set up and look at webhook subscriptions');
  addCreateCommand(command);
  addListCommand(command);
  addGetCommand(command);
  addUpdateCommand(command);
  addStatusCommands(command);
  addRotateSecretCommand(command);
  addSubscriptionTestCommand(command);
}

function addCreateCommand(command: Command): void {
  addFieldOptions(
    command
      .command('create')
      .description('create a subscription; the response shows its secrets this once')
      .requiredOption(
        '--url <url>',
        '(required) https URL to POST events to; a secret may sit in the query or path, Basic auth as user:pass@',
      )
      .option('--signing-secret <secret>', 'bring your own signing secret (default: a new random one)'),
    'sets',
  ).action(async (options: TargetOptions, cmd: Command) =>
    withSession(cmd, async (session) => {
      const payload: Record<string, unknown> = { action: 'create', url: options.url };
      if (options.eventType) payload.eventTypes = options.eventType;
      if (options.header) payload.headers = headersObject(options.header);
      if (options.basicAuth) payload.basicAuth = options.basicAuth;
      if (options.signingSecret !== undefined) payload.signingSecret = options.signingSecret;
      if (options.description !== undefined) payload.description = options.description;
      addLimits(payload, options);
      show(session, await call(session, payload), CREATED_NOTE);
    }),
  );
}

function addListCommand(command: Command): void {
  command
    .command('list')
    .description('list subscriptions (active and disabled, or one status), with their circuits and limits')
    .addOption(new Option('--status <status>', 'only this status').choices(['active', 'disabled', 'deleted']))
    .action(async (options: { status?: string }, cmd: Command) =>
      withSession(cmd, async (session) =>
        show(session, await call(session, { action: 'list', ...(options.status ? { status: options.status } : {}) })),
      ),
    );
}

function addGetCommand(command: Command): void {
  command
    .command('get')
    .description('show one subscription (secrets masked), with its circuit and limits')
    .argument(...ID_ARGUMENT)
    .action(async (id: string, _options: object, cmd: Command) =>
      withSession(cmd, async (session) => show(session, await call(session, { action: 'get', id }))),
    );
}

function addUpdateCommand(command: Command): void {
  addFieldOptions(
    command
      .command('update')
      .description('change a subscription; only the options given change')
      .argument(...ID_ARGUMENT)
      .option('--url <url>', 'new URL'),
    'replaces',
  )
    .addOption(new Option('--clear-event-types', 'receive every event again').conflicts('eventType'))
    .addOption(new Option('--clear-headers', 'send no static headers').conflicts('header'))
    .addOption(new Option('--clear-basic-auth', 'send no Basic auth').conflicts('basicAuth'))
    .addOption(new Option('--clear-description', 'remove the description').conflicts('description'))
    .addOption(new Option('--default-max-concurrency', 'back to the default concurrency limit').conflicts('maxConcurrency'))
    .addOption(new Option('--clear-rate-limit', 'no rate limit').conflicts('rateLimit'))
    .action(async (id: string, options: UpdateOptions, cmd: Command) =>
      withSession(cmd, async (session) => show(session, await call(session, updatePayload(id, options)))),
    );
}

/** The update payload: each option given sets its field, each --clear-... option clears one. */
function updatePayload(id: string, options: UpdateOptions): Record<string, unknown> {
  const payload: Record<string, unknown> = { action: 'update', id };
  if (options.url !== undefined) payload.url = options.url;
  if (options.eventType) payload.eventTypes = options.eventType;
  if (options.clearEventTypes) payload.eventTypes = null;
  if (options.header) payload.headers = headersObject(options.header);
  if (options.clearHeaders) payload.headers = null;
  if (options.basicAuth) payload.basicAuth = options.basicAuth;
  if (options.clearBasicAuth) payload.basicAuth = null;
  if (options.description !== undefined) payload.description = options.description;
  if (options.clearDescription) payload.description = null;
  addLimits(payload, options);
  if (options.defaultMaxConcurrency) payload.maxConcurrency = null;
  if (options.clearRateLimit) payload.rateLimit = null;
  if (Object.keys(payload).length === 2) {
    throw new CliError(
      'update changes nothing: give at least one of --url, --event-type, --header, --basic-auth, --description, ' +
        '--max-concurrency, --rate-limit or a --clear-... option',
    );
  }
  return payload;
}

function addStatusCommands(command: Command): void {
  for (const [action, description] of [
    ['disable', 'stop attempts; deliveries are paused (kept, resendable)'],
    ['enable', 'resume attempts (resends nothing by itself)'],
    ['delete', 'delete (a tombstone stays until retention expires); its deliveries end failed'],
  ] as const) {
    command
      .command(action)
      .description(description)
      .argument(...ID_ARGUMENT)
      .action(async (id: string, _options: object, cmd: Command) =>
        withSession(cmd, async (session) => show(session, await call(session, { action, id }))),
      );
  }
}

function addRotateSecretCommand(command: Command): void {
  command
    .command('rotate-secret')
    .description('add a new signing secret (shown this once); the old ones keep signing for a grace period')
    .argument(...ID_ARGUMENT)
    .option('--signing-secret <secret>', 'bring your own new secret (default: a new random one)')
    .action(async (id: string, options: { signingSecret?: string }, cmd: Command) =>
      withSession(cmd, async (session) => {
        const response = (await call(session, {
          action: 'rotate-secret',
          id,
          ...(options.signingSecret !== undefined ? { signingSecret: options.signingSecret } : {}),
        })) as One;
        show(session, response, response.signingSecret ? rotatedNote(response.signingSecret) : undefined);
      }),
    );
}
