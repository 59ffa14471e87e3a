// EventBridge Scheduler's one-time schedules, in process: each schedule is one small file under the
// data folder, named deterministically, so creating it twice is a no-op (as ConflictException is in
// AWS) and it survives a restart. At its time it sends the wake-up to the deliveries queue and
// deletes itself; a schedule that came due while the runtime was down fires at start.
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scheduleNameOf } from '../lambdas/domain/delivery-id';
import type { Log } from '../lambdas/domain/log';
import type { WakeupScheduler } from '../lambdas/domain/ports';
import type { DeliveryWakeup } from '../lambdas/domain/types';
import { formatWakeup } from '../lambdas/domain/wakeup-message';
import { systemClock, type Clock } from './clock';
import type { LocalQueue } from './queue';

interface StoredSchedule {
  name: string;
  /** Epoch ms. */
  at: number;
  /** The message the schedule sends (the wake-up, formatted as the AWS schedule's input). */
  input: string;
}

/** setTimeout's longest delay; a later schedule is re-armed when the timer fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** When sending a due schedule fails (queue closing), try again this much later. */
const RETRY_MS = 1_000;

export interface LocalSchedulerOptions {
  dir: string;
  /** Where due schedules send their input. */
  target: Pick<LocalQueue, 'send'>;
  log: Log;
  /** What schedule times are compared with; default the system clock. */
  clock?: Clock;
}

export class LocalScheduler implements WakeupScheduler {
  private readonly schedules = new Map<string, StoredSchedule>();
  /** Cancels the armed timer, if any. */
  private cancelTimer: (() => void) | undefined;
  private running = false;
  private readonly clock: Clock;

  constructor(private readonly options: LocalSchedulerOptions) {
    this.clock = options.clock ?? systemClock;
    mkdirSync(options.dir, { recursive: true });
    for (const file of readdirSync(options.dir)) {
      const path = join(options.dir, file);
      // A leftover of a create that crashed before its link: the schedule was never acknowledged.
      if (file.endsWith('.tmp')) unlinkSync(path);
      else if (file.endsWith('.json')) this.load(path);
    }
  }

  /** Arms the timer; schedules already due fire now. */
  start(): void {
    this.running = true;
    this.arm();
  }

  stop(): void {
    this.running = false;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  get size(): number {
    return this.schedules.size;
  }

  async scheduleAt(wakeup: DeliveryWakeup, at: Date): Promise<void> {
    const atMs = at.getTime();
    if (!Number.isFinite(atMs)) throw new RangeError('cannot schedule at an invalid date');
    const schedule: StoredSchedule = { name: scheduleNameOf(wakeup.deliveryId, wakeup.attempt), at: atMs, input: formatWakeup(wakeup) };
    if (this.schedules.has(schedule.name) || !this.persist(schedule)) return;
    this.schedules.set(schedule.name, schedule);
    if (this.running) this.arm();
  }

  /**
   * Creates the file only if no schedule of that name exists: written aside, then hard-linked into
   * place, which fails atomically when the name is taken. False when it already existed.
   */
  private persist(schedule: StoredSchedule): boolean {
    const path = this.pathOf(schedule.name);
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(schedule));
    try {
      linkSync(tmp, path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    } finally {
      unlinkSync(tmp);
    }
  }

  private load(path: string): void {
    try {
      const schedule = JSON.parse(readFileSync(path, 'utf8')) as StoredSchedule;
      if (typeof schedule.name === 'string' && Number.isFinite(schedule.at) && typeof schedule.input === 'string') {
        this.schedules.set(schedule.name, schedule);
        return;
      }
    } catch {
      // Reported below, like a malformed one.
    }
    // Never written by this code; the sweeper resumes any delivery it would have woken.
    this.options.log.warn('unreadable schedule file ignored', { path });
  }

  private arm(): void {
    if (!this.running) return;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    let next = Number.POSITIVE_INFINITY;
    for (const schedule of this.schedules.values()) next = Math.min(next, schedule.at);
    if (next === Number.POSITIVE_INFINITY) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, next - this.clock.now()));
    this.cancelTimer = this.clock.after(delay, () => this.fireDue());
  }

  private fireDue(): void {
    this.cancelTimer = undefined;
    const now = this.clock.now();
    for (const schedule of [...this.schedules.values()]) {
      if (schedule.at > now) continue;
      try {
        // Sent before the file goes: a crash in between sends it twice, which the sender's claim absorbs.
        this.options.target.send(schedule.input);
      } catch (error) {
        this.options.log.error('due schedule could not be sent; retrying', { schedule: schedule.name, error: String(error) });
        if (this.running) this.cancelTimer = this.clock.after(RETRY_MS, () => this.fireDue());
        return;
      }
      const path = this.pathOf(schedule.name);
      if (existsSync(path)) unlinkSync(path);
      this.schedules.delete(schedule.name);
    }
    this.arm();
  }

  private pathOf(name: string): string {
    return join(this.options.dir, `${name}.json`);
  }
}
