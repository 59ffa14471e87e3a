// Real time that can be moved ahead: the fan-out benchmarks' warm instance keeps its list of
// subscriptions only once their version is older than the index's settling time (fanout-targets.ts),
// as in a running service; moving the clock past it avoids waiting that long for real.
import { INDEX_SETTLE_MS } from '../../lambdas/domain/fanout-targets';
import type { Clock } from '../../lambdas/domain/ports';

export interface SettledClock extends Clock {
  /** Moves the clock past the index's settling time: an instance that saw the version before now keeps its list. */
  settle(): void;
}

export function settledClock(): SettledClock {
  let ahead = 0;
  return {
    now: () => new Date(Date.now() + ahead),
    settle: () => {
      ahead += INDEX_SETTLE_MS + 1_000;
    },
  };
}
