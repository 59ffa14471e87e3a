// A POST still in flight after `slowAfterMs` marks its subscription slow at once, not when it ends:
// a receiver that hangs would otherwise fill the main lane with attempts for the whole attempt
// timeout before the first one reported. The mark sends the subscription's next wake-ups to the slow
// lane (lane.ts); the POST itself runs on to its own end.
import { circuitOf, needsSlowMark } from '../circuit';
import { markSlow } from './circuit-update';
import type { Ready, SendDeps } from './steps';

type WatchDeps = Pick<SendDeps, 'circuits' | 'circuitPolicy' | 'subscriptions' | 'clock' | 'log'>;

export interface SlowWatch {
  /** Stops watching; true when the subscription was marked slow meanwhile. */
  stop(): Promise<boolean>;
}

export function watchSlow(deps: WatchDeps, ready: Ready): SlowWatch {
  let marking: Promise<boolean> | undefined;
  const timer = setTimeout(() => {
    if (!needsSlowMark(circuitOf(ready.subscription), deps.clock.now(), deps.circuitPolicy)) return;
    marking = markSlow(deps, ready.subscription.id, deps.clock.now()).then(
      () => {
        deps.log.info('attempt slow; the subscription takes the slow lane', {
          ...ready.fields,
          slowAfterMs: deps.circuitPolicy.slowAfterMs,
        });
        return true;
      },
      (error: unknown) => {
        // The attempt goes on; the mark is made again when the attempt ends slow.
        deps.log.warn('could not mark a slow subscription', { ...ready.fields, error: String(error) });
        return false;
      },
    );
  }, deps.circuitPolicy.slowAfterMs);
  return {
    stop: async () => {
      clearTimeout(timer);
      return (await marking) ?? false;
    },
  };
}
