// Event files as the CLI reads them: every byte kept (publish sends them unchanged), and a missing or
// unreadable file named in one line.
import { readFile } from 'node:fs/promises';
import { CliError } from './errors';

const READ_REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  EPERM: 'permission denied',
};

/** Strict, and keeping a byte order mark, so that what is sent is exactly the file. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export async function readEventFile(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw new CliError(`cannot read ${file}: ${READ_REASONS[code] ?? (error as Error).message}`);
  }
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new CliError(`cannot use ${file}: not UTF-8 text (an SQS message is text; it could not be sent unchanged)`);
  }
}
