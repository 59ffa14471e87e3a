// `crm-webhooks publish FILE...`: each file's content, unchanged, as one message on the events
// queue, exactly as the CRM publishes. A file ingest would refuse (not a JSON object with a `type`:
// the same rule, from the domain) is named with the reason and nothing is sent, instead of ending
// silently in the events DLQ.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { defaults } from '../../lambdas/config';
import { parseEvent } from '../../lambdas/domain/event-parsing';
import { CliError } from '../errors';
import { jsonText } from '../format/json';
import { listTable } from '../format/table';
import { singleLine } from '../format/text';
import { print, withSession } from '../run';

/** SQS limits of one SendMessageBatch: 10 entries, 1 MiB in total. */
const BATCH_ENTRIES = 10;
const BATCH_BYTES = 1_048_576;

const READ_REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  EPERM: 'permission denied',
};

/** Strict, and keeping a byte order mark, so that what is sent is exactly the file. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

interface Published {
  file: string;
  messageId: string;
}

interface Failed {
  file: string;
  code: string;
  message: string;
}

async function readAll(files: string[]): Promise<Array<{ file: string; body: string }>> {
  return Promise.all(
    files.map(async (file) => {
      try {
        return { file, body: UTF8.decode(await readFile(file)) };
      } catch (error) {
        if (error instanceof TypeError) throw new CliError(`cannot publish ${file}: not UTF-8 text (an SQS message is text; it could not be sent unchanged)`);
        const code = (error as NodeJS.ErrnoException).code ?? '';
        throw new CliError(`cannot read ${file}: ${READ_REASONS[code] ?? (error as Error).message}`);
      }
    }),
  );
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

export function addPublishCommand(parent: Command): void {
  parent
    .command('publish')
    .description('send events (JSON files, sent byte for byte) to the events queue, as the CRM does')
    .argument('<file...>', 'event files, e.g. ../shared/events/donation.json')
    .action(async (files: string[], _options: object, cmd: Command) =>
      withSession(cmd, async (session) => {
        // Every file is read before anything is sent: a typo in the last name publishes nothing.
        const events = await readAll(files);
        const refused = events.flatMap(({ file, body }) => {
          const parsed = parseEvent(body, file, defaults.maxEventBytes);
          return parsed.ok ? [] : [`${file} (${parsed.reason})`];
        });
        if (refused.length > 0) throw new CliError(`nothing published: ${refused.length} of ${files.length} not an event: ${refused.join('; ')}`);
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
            if (ok?.MessageId) published.push({ file: event.file, messageId: ok.MessageId });
            else failed.push({ file: event.file, code: error?.Code ?? 'Unknown', message: error?.Message ?? 'not acknowledged' });
          });
        }
        if (session.json) print(jsonText(failed.length > 0 ? { published, failed } : { published }));
        else if (published.length > 0) print(listTable(['file', 'message id'], published.map((p) => [singleLine(p.file), p.messageId])));
        if (failed.length > 0) {
          const which = failed.map((f) => `${f.file} (${f.code}: ${f.message})`).join('; ');
          throw new CliError(`${failed.length} of ${files.length} not published: ${which}`);
        }
      }),
    );
}
