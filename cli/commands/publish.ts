// `crm-webhooks publish FILE...`: each file's content, unchanged, as one message on the events
// queue, exactly as the CRM publishes. A file ingest would refuse (not a JSON object with a `type`:
// the same rule, from the domain) is named with the reason and nothing is sent, instead of ending
// silently in the events DLQ. Each event's id is printed, and an id ingested before is pointed out:
// its fan-out was fixed then, so a subscription created since does not get it.
import type { Command } from 'commander';
import type { EventSummary } from '../../lambdas/domain/delivery-queries';
import { parseEvent } from '../../lambdas/domain/event-parsing';
import { chunk } from '../../lambdas/domain/chunk';
import { CliError, describeError } from '../errors';
import { readEventFile } from '../files';
import { jsonText } from '../format/json';
import { listTable } from '../format/table';
import { singleLine } from '../format/text';
import { print, withSession } from '../run';
import type { Session } from '../session';

/** SQS limits of one SendMessageBatch: 10 entries, 1 MiB in total. */
const BATCH_ENTRIES = 10;
const BATCH_BYTES = 1_048_576;

interface Published {
  file: string;
  /** The event's `id`, or for an event without one the message id (as ingest takes it). */
  eventId?: string;
  messageId: string;
  /** The id was ingested before this publish: fan-out fixed at that time. */
  alreadyIngested?: { receivedAt: string; subscriptions: number };
}

interface EventFile {
  file: string;
  body: string;
  eventId?: string;
}

const REPEAT_NOTE =
  'An event id is fanned out once, at its first ingest: a repeat goes to the subscriptions of then (still due ones only). ' +
  'To send a sample to one subscription: crm-webhooks subscriptions test ID --event FILE';

interface Failed {
  file: string;
  code: string;
  message: string;
}

/** Every file read and checked before anything is sent: a typo or a broken file publishes nothing. */
async function readAll(files: string[]): Promise<EventFile[]> {
  const read = await Promise.all(
    files.map(async (file) => {
      const body = await readEventFile(file);
      // No size limit here: the deployed one applies at ingest. An empty id means "the message id".
      return { file, body, parsed: parseEvent(body, '', Number.MAX_SAFE_INTEGER) };
    }),
  );
  const refused = read.flatMap(({ file, parsed }) => (parsed.ok ? [] : [`${file} (${parsed.reason})`]));
  if (refused.length > 0) throw new CliError(`nothing published: ${refused.length} of ${files.length} not an event: ${refused.join('; ')}`);
  return read.map(({ file, body, parsed }) =>
    parsed.ok && parsed.eventId !== '' ? { file, body, eventId: parsed.eventId } : { file, body },
  );
}

/** Advice only: when the function refuses the check (a stack deployed before it had it), the events are published all the same. */
async function ingestedBefore(session: Session, events: EventFile[]): Promise<Map<string, EventSummary>> {
  const ids = [...new Set(events.flatMap((e) => (e.eventId === undefined ? [] : [e.eventId])))];
  const known = new Map<string, EventSummary>();
  try {
    for (const eventIds of chunk(ids, 100)) {
      const answer = await session.invoke<{ events: EventSummary[] }>('deliveries', { action: 'events', eventIds });
      for (const event of answer.events) known.set(event.eventId, event);
    }
  } catch (error) {
    // The function refused the query (CliError); an unreachable service fails the publish below anyway, in one line.
    if (!(error instanceof CliError)) throw error;
    process.stderr.write(
      `crm-webhooks: warning: could not check which events were ingested before: ${describeError(error, session.where())}\n`,
    );
  }
  return known;
}

function noteOf(p: Published): string {
  if (p.alreadyIngested)
    return (
      `already ingested ${p.alreadyIngested.receivedAt} ` +
      `(to ${p.alreadyIngested.subscriptions} subscriptions then): delivers nothing new`
    );
  return 'new';
}

/** Consecutive batches within both SQS limits. */
function batches<T extends { body: string }>(items: T[]): T[][] {
  const result: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = Buffer.byteLength(item.body, 'utf8');
    if (current.length === BATCH_ENTRIES || (current.length > 0 && bytes + size > BATCH_BYTES)) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) result.push(current);
  return result;
}

function publishedOf(event: EventFile, messageId: string, known: Map<string, EventSummary>): Published {
  const eventId = event.eventId ?? messageId;
  const before = known.get(eventId);
  return {
    file: event.file,
    eventId,
    messageId,
    ...(before ? { alreadyIngested: { receivedAt: before.receivedAt, subscriptions: before.subscriptions } } : {}),
  };
}

export function addPublishCommand(parent: Command): void {
  parent
    .command('publish')
    .description('send events (JSON files, sent byte for byte) to the events queue, as the CRM does')
    .argument('<file...>', 'event files, e.g. docs/events/donation.json')
    .action(async (files: string[], _options: object, cmd: Command) =>
      withSession(cmd, async (session) => {
        // Every file is read before anything is sent: a typo in the last name publishes nothing.
        const events = await readAll(files);
        const known = await ingestedBefore(session, events);
        const { client, eventsQueueUrl } = await session.sqs();
        const { SendMessageBatchCommand } = await import('@aws-sdk/client-sqs');
        const published: Published[] = [];
        const failed: Failed[] = [];
        for (const batch of batches(events)) {
          const entries = batch.map((event, i) => ({ Id: `m${i}`, MessageBody: event.body }));
          const response = await client.send(new SendMessageBatchCommand({ QueueUrl: eventsQueueUrl, Entries: entries }));
          batch.forEach((event, i) => {
            const ok = response.Successful?.find((s) => s.Id === `m${i}`);
            const error = response.Failed?.find((f) => f.Id === `m${i}`);
            if (ok?.MessageId) published.push(publishedOf(event, ok.MessageId, known));
            else failed.push({ file: event.file, code: error?.Code ?? 'Unknown', message: error?.Message ?? 'not acknowledged' });
          });
        }
        if (session.json) print(jsonText(failed.length > 0 ? { published, failed } : { published }));
        else if (published.length > 0) {
          print(
            listTable(
              ['file', 'event id', 'message id', 'note'],
              published.map((p) => [singleLine(p.file), singleLine(p.eventId ?? ''), p.messageId, noteOf(p)]),
            ),
          );
          if (published.some((p) => p.alreadyIngested)) print(REPEAT_NOTE);
        }
        if (failed.length > 0) {
          const which = failed.map((f) => `${f.file} (${f.code}: ${f.message})`).join('; ');
          throw new CliError(`${failed.length} of ${files.length} not published: ${which}`);
        }
      }),
    );
}
