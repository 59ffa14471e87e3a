// An append-only file of JSON lines. Each append is one synchronous write(2) before the caller
// acknowledges anything, so a record survives Ctrl-C and SIGKILL (the page cache outlives the
// process). There is no fsync per record: losing the newest records to a power cut is accepted
// locally, while an fsync per message would cap throughput at the disk's flush rate.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';

export interface Replay<R> {
  records: R[];
  /** Lines that could not be parsed (a write cut short by a crash of the machine); they are dropped. */
  skipped: number;
}

export class Journal<R> {
  private fd: number | undefined;
  private appended = 0;

  private constructor(private readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  /** Opens (or creates) the journal at `path` and returns the records already in it. */
  static open<R>(path: string): { journal: Journal<R>; replay: Replay<R> } {
    const records: R[] = [];
    let skipped = 0;
    if (existsSync(path)) {
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        if (line === '') continue;
        try {
          records.push(JSON.parse(line) as R);
        } catch {
          skipped += 1;
        }
      }
    }
    const journal = new Journal<R>(path);
    journal.appended = records.length;
    return { journal, replay: { records, skipped } };
  }

  /** Records written since the last rewrite: the caller compares it with its live state to decide on compaction. */
  get size(): number {
    return this.appended;
  }

  append(...records: R[]): void {
    if (records.length === 0) return;
    writeSync(this.openFd(), records.map((r) => JSON.stringify(r) + '\n').join(''));
    this.appended += records.length;
  }

  /** Replaces the whole file with `records` (compaction): written aside, flushed, then renamed over. */
  rewrite(records: R[]): void {
    const fd = this.openFd();
    const tmp = `${this.path}.tmp`;
    const out = openSync(tmp, 'w');
    try {
      if (records.length > 0) writeSync(out, records.map((r) => JSON.stringify(r) + '\n').join(''));
      fsyncSync(out);
    } finally {
      closeSync(out);
    }
    renameSync(tmp, this.path);
    closeSync(fd);
    this.fd = openSync(this.path, 'a');
    this.appended = records.length;
  }

  close(): void {
    if (this.fd === undefined) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
  }

  private openFd(): number {
    if (this.fd === undefined) throw new Error(`journal ${this.path} is closed`);
    return this.fd;
  }
}
