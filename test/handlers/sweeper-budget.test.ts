// The sweeper's time: pass 1 (the fan-out log) stops when the invocation has only pass 2's share
// left, asked afresh at every minute, so an invocation that ends early (the local runtime stopping)
// ends pass 1 at once; pass 2 (overdue deliveries) still runs.
import { describe, expect, it } from 'vitest';
import { silentLog } from '../../lambdas/domain/log';
import { createSweeperHandler } from '../../lambdas/handlers/sweeper';

describe('sweeper handler time budget', () => {
  it('ends pass 1 as soon as the invocation has no time left, and still runs pass 2', async () => {
    const now = Date.parse('2026-11-30T12:00:30.000Z');
    const minutesRead: string[] = [];
    let remainingMs = 60_000;
    let overdueListed = 0;
    const handler = createSweeperHandler({
      deliveries: {
        listOverdue: async () => {
          overdueListed += 1;
          return [];
        },
        watchUnsettled: async () => [],
      },
      fanoutLog: {
        eventIdsOf: async (minute) => {
          minutesRead.push(minute);
          // The runtime stops while the second minute is read.
          if (minutesRead.length === 2) remainingMs = 0;
          return [];
        },
        sweptUntil: async () => '2026-11-30T10:00:00.000Z',
        setSweptUntil: async () => undefined,
        createdAt: async () => undefined,
      },
      wakeups: { sendNow: async () => [] },
      clock: { now: () => new Date(now) },
      log: silentLog,
      graceMs: 5 * 60_000,
    });

    const result = await handler({}, { getRemainingTimeInMillis: () => remainingMs });
    expect(minutesRead).toEqual(['2026-11-30T10:00:00.000Z', '2026-11-30T10:01:00.000Z']);
    expect(overdueListed).toBe(1);
    expect(result).toMatchObject({ events: 0, overdue: 0 });
  });
});
