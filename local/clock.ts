// The time the local queue and scheduler run on: the system clock in the runtime, a clock the test
// moves by hand in tests of delays, visibility timeouts and schedules (no real waits, no races).

export interface Clock {
  /** Epoch ms. */
  now(): number;
  /** Calls `callback` once, `ms` from now; the function returned cancels it. */
  after(ms: number, callback: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, callback) {
    const timer = setTimeout(callback, ms);
    return () => clearTimeout(timer);
  },
};
