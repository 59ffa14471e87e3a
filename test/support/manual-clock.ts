// A clock that moves only when the test says so (local/clock.ts): delays, visibility timeouts and
// schedules come due exactly when the test advances past them, however loaded the machine is.
import type { Clock } from '../../local/clock';

interface Pending {
  at: number;
  order: number;
  callback: () => void;
}

export class ManualClock implements Clock {
  private time: number;
  private readonly pending = new Set<Pending>();
  private scheduled = 0;

  constructor(start = Date.parse('2026-11-20T08:00:00Z')) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  after(ms: number, callback: () => void): () => void {
    const entry = { at: this.time + Math.max(0, ms), order: (this.scheduled += 1), callback };
    this.pending.add(entry);
    return () => this.pending.delete(entry);
  }

  /** Moves time on by `ms`, running each callback that comes due on the way at its own time, in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.pending].filter((p) => p.at <= end).sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (!due) break;
      this.pending.delete(due);
      this.time = due.at;
      due.callback();
    }
    this.time = end;
  }

  /** Callbacks waiting to run. */
  get timers(): number {
    return this.pending.size;
  }
}
