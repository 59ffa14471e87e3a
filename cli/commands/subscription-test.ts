// `crm-webhooks subscriptions test ID [--event FILE] [--wait]`: one test event to that subscription
// only (the documented `webhook.test`, or a sample with a fresh id), recorded in its attempt log.
// `publish` would send to every subscription; in production that means every customer.
import type { Command } from 'commander';
import type { TestEventSent } from '../../lambdas/domain/subscription-test-event';
import type { SubscriptionView } from '../../lambdas/domain/subscription-view';
import type { Attempt, Delivery } from '../../lambdas/domain/types';
import { CliError } from '../errors';
import { readEventFile } from '../files';
import { jsonText } from '../format/json';
import { durationText, singleLine } from '../format/text';
import { positiveInt } from '../options';
import { print, withSession } from '../run';
import type { Session } from '../session';

interface Options {
  event?: string;
  wait?: boolean;
  timeout?: number;
}

type Shown = { delivery: Delivery; attempts: Attempt[] };

async function sampleOf(file: string): Promise<Record<string, unknown>> {
  const text = await readEventFile(file);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliError(`cannot use ${file}: not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new CliError(`cannot use ${file}: an event is a JSON object`);
  return value as Record<string, unknown>;
}

/** Polls the attempt log until the first attempt is recorded (or the delivery ends without one). */
async function firstAttempt(session: Session, deliveryId: string, timeoutMs: number): Promise<Shown | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const shown = await session.invoke<Shown>('deliveries', { action: 'show', deliveryId });
    if (shown.attempts.length > 0 || shown.delivery.status !== 'pending') return shown;
    if (Date.now() > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

function attemptLine(attempt: Attempt): string {
  const status = attempt.statusCode === undefined ? '' : ` ${attempt.statusCode}`;
  const error = attempt.error ? `: ${singleLine(attempt.error)}` : '';
  return `Attempt ${attempt.number}: ${attempt.outcome}${status} in ${durationText(attempt.durationMs)}${error}`;
}

export function addSubscriptionTestCommand(parent: Command): void {
  parent
    .command('test')
    .description('send a test event to this subscription only; it is recorded in its attempt log')
    .argument('<id>', 'subscription id (sub_...)')
    .option('--event <file>', 'send this sample event (its id replaced by a test id) instead of a webhook.test event')
    .option('--wait', 'wait for the first attempt and print its outcome')
    .option('--timeout <seconds>', 'with --wait: how long to wait (default 30)', positiveInt)
    .action(async (id: string, options: Options, cmd: Command) =>
      withSession(cmd, async (session) => {
        const payload: Record<string, unknown> = { action: 'test', id };
        if (options.event !== undefined) payload.event = await sampleOf(options.event);
        const sent = await session.invoke<{ subscription: SubscriptionView; test: TestEventSent }>('subscriptions', payload);
        const shown = options.wait ? await firstAttempt(session, sent.test.deliveryId, (options.timeout ?? 30) * 1000) : undefined;
        if (session.json) return print(jsonText(shown ? { ...sent, ...shown } : sent));
        print(`Test event ${sent.test.eventId} (${sent.test.eventType}) sent to ${id} only: delivery ${sent.test.deliveryId}`);
        if (!options.wait) return print(`Its attempt log: crm-webhooks deliveries show ${sent.test.deliveryId}`);
        if (!shown)
          throw new CliError(
            `no attempt within ${options.timeout ?? 30} s; look later: crm-webhooks deliveries show ${sent.test.deliveryId}`,
          );
        const last = shown.attempts.at(-1);
        print(
          last
            ? attemptLine(last)
            : `Delivery ${shown.delivery.status}${shown.delivery.statusReason ? `: ${shown.delivery.statusReason}` : ''}`,
        );
      }),
    );
}
