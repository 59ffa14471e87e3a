// The functions' entry points, as Lambda runs them: middy with Powertools' Lambda context on every
// log line, and the support functions' error mapping. Invoked through the local runtime's invoker,
// the same way the runtime and the other tests invoke them.
import { describe, expect, it, vi } from 'vitest';
import { createLogger, logOf } from '../../lambdas/wiring/log';
import { lambdaHandler } from '../../lambdas/wiring/lambda-handler';
import { ValidationError } from '../../lambdas/domain/errors';
import { invoker } from '../../local/lambda-context';
import { RecordingLog } from '../support/harness';

type LogLine = Record<string, unknown>;

async function linesOf(fn: () => Promise<unknown>): Promise<LogLine[]> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  return lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}

describe('entry points', () => {
  it('put the request id, the function name and cold start on every log line of an invocation', async () => {
    const logger = createLogger('DEBUG');
    const log = logOf(logger);
    const handler = invoker(
      lambdaHandler(async (event: { n: number }) => log.info('handled', { n: event.n }), { log, logger }),
      'ingest',
    );
    const lines = await linesOf(async () => {
      await handler({ n: 1 });
      await handler({ n: 2 });
    });
    expect(lines.map((l) => [l.message, l.n, l.function_name, l.cold_start])).toEqual([
      ['handled', 1, 'ingest', true],
      ['handled', 2, 'ingest', false],
    ]);
    expect(lines[0].function_request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines[1].function_request_id).not.toBe(lines[0].function_request_id);
  });

  it('keep the request ids of concurrent invocations apart (the local runtime runs several at once)', async () => {
    const logger = createLogger('DEBUG');
    const log = logOf(logger);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handler = invoker(
      lambdaHandler(
        async (event: { n: number }) => {
          log.info('before', { n: event.n });
          if (event.n === 1) await gate;
          log.info('after', { n: event.n });
        },
        { log, logger },
      ),
      'sender',
    );
    const lines = await linesOf(async () => {
      const first = handler({ n: 1 });
      await handler({ n: 2 });
      release();
      await first;
    });
    const idsOf = (n: number) => new Set(lines.filter((l) => l.n === n).map((l) => l.function_request_id));
    expect(lines.map((l) => `${String(l.message)} ${String(l.n)}`)).toEqual(['before 1', 'before 2', 'after 2', 'after 1']);
    expect(idsOf(1).size).toBe(1);
    expect(idsOf(2).size).toBe(1);
    expect([...idsOf(1)][0]).not.toBe([...idsOf(2)][0]);
  });

  it('answer a caller error as it is, and anything else as a short InternalError that is logged in full', async () => {
    const log = new RecordingLog();
    const failWith = (error: Error) =>
      invoker(
        lambdaHandler(async () => Promise.reject(error), { log }, { callerErrorsOf: 'subscriptions' }),
        'subscriptions',
      );
    await expect(failWith(new ValidationError('url: must be https'))({})).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'url: must be https',
    });
    const internal = failWith(new Error('connect ECONNREFUSED 10.1.2.3:8000'))({});
    await expect(internal).rejects.toMatchObject({
      name: 'InternalError',
      message: 'subscriptions failed: internal error, see the function log',
    });
    expect(log.lines.map((l) => [l.level, l.message])).toEqual([
      ['warn', 'subscriptions refused'],
      ['error', 'subscriptions failed'],
    ]);
    expect(log.text()).toContain('ECONNREFUSED 10.1.2.3:8000');
  });
});
