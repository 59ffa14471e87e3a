// An in-process queue with the SQS semantics the handlers rely on: delayed sends, batches of visible
// messages, a message stays invisible while its batch is processed, a failed message comes back
// after the visibility timeout with its receive count raised, and once received `maxReceiveCount`
// times it moves to the dead-letter queue instead of being handed out again. Messages with a group
// are served as a fair queue serves its tenants (fair-waiting.ts). Every change is journaled before
// it is acknowledged, so an accepted message survives Ctrl-C and SIGKILL; on open the journal is
// replayed (messages that were being processed become visible again, their receive counted) and
// compacted.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock, type Clock } from './clock';
import { FairWaitingList, type WaitingMessage } from './fair-waiting';
import { Journal } from './journal';

/** As in SQS: String and Number carry StringValue, Binary carries BinaryValue (base64). */
export interface MessageAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

export type MessageAttributes = Record<string, MessageAttribute>;

export interface QueueMessage {
  id: string;
  body: string;
  attributes: MessageAttributes;
  /** Epoch ms. */
  sentAt: number;
  /** SQS's MessageGroupId: on a standard queue, the tenant a fair queue serves by. */
  groupId?: string;
}

export interface ReceivedMessage extends QueueMessage {
  /** 1 on the first receive (SQS's ApproximateReceiveCount). */
  receiveCount: number;
  firstReceivedAt: number;
}

export interface QueueDepth {
  visible: number;
  delayed: number;
  inFlight: number;
}

export interface SendOptions {
  delayMs?: number;
  attributes?: MessageAttributes;
  /** Keeps a message's id when it moves to a dead-letter queue, as SQS does. */
  id?: string;
  sentAt?: number;
  /** Receives counted so far: a message moved to a dead-letter queue keeps its count, as in SQS. */
  receiveCount?: number;
  groupId?: string;
}

export interface LocalQueueOptions {
  name: string;
  /** The journal is `<dir>/<name>.jsonl`. */
  dir: string;
  /** How long a message whose processing failed stays invisible before it is handed out again. */
  visibilityTimeoutMs: number;
  /** Without it, a failing message is retried forever (the dead-letter queues themselves). */
  redrive?: { deadLetterQueue: LocalQueue; maxReceiveCount: number };
  /** Called when a message moves to the dead-letter queue. */
  onDeadLetter?: (message: ReceivedMessage, queue: string) => void;
  /** What delays and visibility timeouts are measured on; default the system clock. */
  clock?: Clock;
}

type JournalRecord =
  | {
      op: 'send';
      id: string;
      body: string;
      attributes?: MessageAttributes;
      groupId?: string;
      sentAt: number;
      visibleAt: number;
      receiveCount?: number;
      firstReceivedAt?: number;
    }
  | { op: 'receive'; ids: string[]; at: number }
  | { op: 'return'; id: string; visibleAt: number }
  | { op: 'delete'; id: string };

interface Entry extends QueueMessage {
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  inFlight: boolean;
  /** Bumped on every (re)entry into the heap: older heap items of the entry are stale. */
  seq: number;
}

/** Compaction during a run: once the journal holds this many records and mostly dead ones. */
const COMPACT_MIN_RECORDS = 10_000;
const COMPACT_DEAD_RATIO = 4;

export class LocalQueue {
  readonly name: string;
  /**
   * What the journal held at open: messages recovered, unreadable lines dropped, and the messages
   * the previous process had received and not yet deleted or released (in flight when it ended).
   */
  readonly recovered: { messages: number; skippedRecords: number; inFlight: QueueMessage[] } = {
    messages: 0,
    skippedRecords: 0,
    inFlight: [],
  };
  /** During replay: ids received and neither deleted nor released since. */
  private readonly replayedInFlight = new Set<string>();
  private readonly journal: Journal<JournalRecord>;
  private readonly entries = new Map<string, Entry>();
  private readonly waiting = new FairWaitingList((item) => this.isWaiting(item));
  private readonly waiters = new Set<() => void>();
  private closed = false;
  private readonly clock: Clock;

  private constructor(
    private readonly options: LocalQueueOptions,
    journal: Journal<JournalRecord>,
  ) {
    this.name = options.name;
    this.journal = journal;
    this.clock = options.clock ?? systemClock;
  }

  /** Opens the queue on its journal: replays it, makes in-flight messages visible again, compacts it. */
  static open(options: LocalQueueOptions): LocalQueue {
    mkdirSync(options.dir, { recursive: true });
    const { journal, replay } = Journal.open<JournalRecord>(join(options.dir, `${options.name}.jsonl`));
    const queue = new LocalQueue(options, journal);
    for (const record of replay.records) queue.apply(record);
    for (const entry of queue.entries.values()) queue.enqueue(entry);
    queue.recovered.messages = queue.entries.size;
    queue.recovered.skippedRecords = replay.skipped;
    queue.recovered.inFlight = [...queue.replayedInFlight].flatMap((id) => {
      const entry = queue.entries.get(id);
      return entry ? [messageOf(entry)] : [];
    });
    queue.replayedInFlight.clear();
    queue.compact();
    return queue;
  }

  /** Journals the message, then makes it available (after `delayMs`). */
  send(body: string, options: SendOptions = {}): QueueMessage {
    this.assertOpen();
    const delayMs = options.delayMs ?? 0;
    if (!Number.isFinite(delayMs) || delayMs < 0) throw new RangeError(`delay must be a non-negative number of ms, got ${delayMs}`);
    const now = this.clock.now();
    const entry: Entry = {
      id: options.id ?? randomUUID(),
      body,
      attributes: options.attributes ?? {},
      ...(options.groupId !== undefined ? { groupId: options.groupId } : {}),
      sentAt: options.sentAt ?? now,
      visibleAt: now + delayMs,
      receiveCount: options.receiveCount ?? 0,
      firstReceivedAt: options.receiveCount ? now : undefined,
      inFlight: false,
      seq: 0,
    };
    this.journal.append(sendRecord(entry));
    this.entries.set(entry.id, entry);
    this.enqueue(entry);
    this.notify();
    return messageOf(entry);
  }

  /** Up to `max` visible messages, which stay invisible until deleted or released. */
  receive(max: number): ReceivedMessage[] {
    if (this.closed) return [];
    const now = this.clock.now();
    const batch: Entry[] = [];
    const redrive = this.options.redrive;
    while (batch.length < max) {
      const next = this.waiting.takeNext(now);
      if (!next) break;
      const entry = this.entries.get(next.id)!;
      // As in SQS: a message received maxReceiveCount times is moved instead of handed out again.
      if (redrive && entry.receiveCount >= redrive.maxReceiveCount) {
        this.moveToDeadLetterQueue(entry, redrive.deadLetterQueue);
        continue;
      }
      // In flight at once, so that the next pick of this batch already counts it for its tenant.
      entry.inFlight = true;
      this.waiting.started(entry.groupId);
      batch.push(entry);
    }
    if (batch.length === 0) return [];
    // Journaled so that a message in flight at a crash comes back with this receive counted: the
    // sender treats a redelivery differently, and a message that keeps crashing still gets redriven.
    this.journal.append({ op: 'receive', ids: batch.map((e) => e.id), at: now });
    return batch.map((entry) => {
      this.countReceive(entry, now);
      return { ...messageOf(entry), receiveCount: entry.receiveCount, firstReceivedAt: entry.firstReceivedAt ?? now };
    });
  }

  /** Processed: gone for good. */
  delete(ids: string[]): void {
    const gone = ids.filter((id) => this.entries.has(id));
    if (gone.length === 0) return;
    this.journal.append(...gone.map((id): JournalRecord => ({ op: 'delete', id })));
    for (const id of gone) {
      const entry = this.entries.get(id)!;
      if (entry.inFlight) this.waiting.ended(entry.groupId);
      this.entries.delete(id);
    }
    this.compactIfWorthIt();
  }

  /**
   * Processing failed: the message comes back after the visibility timeout. The timeout counts from
   * the failure (SQS counts from the receive): a local batch is never handed out twice concurrently,
   * so a slow batch must not make its failures come back at once.
   */
  release(ids: string[]): void {
    const visibleAt = this.clock.now() + this.options.visibilityTimeoutMs;
    const back = ids.map((id) => this.entries.get(id)).filter((e): e is Entry => e !== undefined && e.inFlight);
    if (back.length === 0) return;
    this.journal.append(...back.map((e): JournalRecord => ({ op: 'return', id: e.id, visibleAt })));
    for (const entry of back) {
      entry.visibleAt = visibleAt;
      entry.inFlight = false;
      this.waiting.ended(entry.groupId);
      this.enqueue(entry);
    }
    this.notify();
  }

  /**
   * Resolves when a message may have become visible, after `maxWaitMs`, or on `signal`; the caller
   * then tries `receive` again (like a long poll).
   */
  waitForMessages(maxWaitMs: number, signal?: AbortSignal): Promise<void> {
    if (this.closed || signal?.aborted) return Promise.resolve();
    const visibleAt = this.waiting.earliestVisibleAt();
    const now = this.clock.now();
    if (visibleAt !== undefined && visibleAt <= now) return Promise.resolve();
    // One millisecond more: timers run on a monotonic clock and may fire just before the wall clock
    // reaches the visibility time.
    const waitMs = Math.min(maxWaitMs, visibleAt !== undefined ? visibleAt - now + 1 : Number.POSITIVE_INFINITY);
    return new Promise((resolve) => {
      const done = (): void => {
        cancel();
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const cancel = this.clock.after(waitMs, done);
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  depth(): QueueDepth {
    const now = this.clock.now();
    const depth: QueueDepth = { visible: 0, delayed: 0, inFlight: 0 };
    for (const entry of this.entries.values()) {
      if (entry.inFlight) depth.inFlight += 1;
      else if (entry.visibleAt > now) depth.delayed += 1;
      else depth.visible += 1;
    }
    return depth;
  }

  /** Every message still held, in flight or not: for tests and diagnostics. */
  messages(): QueueMessage[] {
    return [...this.entries.values()].map(messageOf);
  }

  /** Every message held with its receive count, oldest first: what a dead-letter queue shows. */
  parked(): Array<QueueMessage & { receiveCount: number }> {
    return [...this.entries.values()].map((entry) => ({ ...messageOf(entry), receiveCount: entry.receiveCount }));
  }

  /** Flushes the journal and stops; messages in flight stay journaled and come back on the next open. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.notify();
    this.journal.close();
  }

  private apply(record: JournalRecord): void {
    if (record.op === 'send') {
      this.entries.set(record.id, {
        id: record.id,
        body: record.body,
        attributes: record.attributes ?? {},
        ...(record.groupId !== undefined ? { groupId: record.groupId } : {}),
        sentAt: record.sentAt,
        visibleAt: record.visibleAt,
        receiveCount: record.receiveCount ?? 0,
        firstReceivedAt: record.firstReceivedAt,
        inFlight: false,
        seq: 0,
      });
    } else if (record.op === 'receive') {
      for (const id of record.ids) {
        const entry = this.entries.get(id);
        if (entry) this.countReceive(entry, record.at);
        if (entry) this.replayedInFlight.add(id);
      }
    } else if (record.op === 'return') {
      const entry = this.entries.get(record.id);
      if (entry) entry.visibleAt = record.visibleAt;
      this.replayedInFlight.delete(record.id);
    } else {
      this.entries.delete(record.id);
      this.replayedInFlight.delete(record.id);
    }
  }

  /** Into the dead-letter queue first, then out of here: a crash in between duplicates, never loses. */
  private moveToDeadLetterQueue(entry: Entry, deadLetterQueue: LocalQueue): void {
    deadLetterQueue.send(entry.body, {
      id: entry.id,
      attributes: entry.attributes,
      groupId: entry.groupId,
      sentAt: entry.sentAt,
      receiveCount: entry.receiveCount,
    });
    this.delete([entry.id]);
    this.options.onDeadLetter?.(
      { ...messageOf(entry), receiveCount: entry.receiveCount, firstReceivedAt: entry.firstReceivedAt ?? this.clock.now() },
      this.name,
    );
  }

  private countReceive(entry: Entry, at: number): void {
    entry.receiveCount += 1;
    entry.firstReceivedAt ??= at;
  }

  private enqueue(entry: Entry): void {
    entry.seq += 1;
    this.waiting.push(entry.groupId, { visibleAt: entry.visibleAt, id: entry.id, seq: entry.seq });
  }

  /** Whether a waiting item still stands for its message: not deleted, in flight or re-queued since. */
  private isWaiting(item: WaitingMessage): boolean {
    const entry = this.entries.get(item.id);
    return entry !== undefined && !entry.inFlight && entry.seq === item.seq;
  }

  private notify(): void {
    for (const wake of [...this.waiters]) wake();
  }

  private compactIfWorthIt(): void {
    const size = this.journal.size;
    if (size >= COMPACT_MIN_RECORDS && size > COMPACT_DEAD_RATIO * this.entries.size) this.compact();
  }

  /** Rewrites the journal as one send record per message held, with its receive state. */
  private compact(): void {
    this.journal.rewrite([...this.entries.values()].map(sendRecord));
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`queue ${this.name} is closed`);
  }
}

function messageOf(entry: Entry): QueueMessage {
  const { id, body, attributes, sentAt, groupId } = entry;
  return { id, body, attributes, sentAt, ...(groupId !== undefined ? { groupId } : {}) };
}

function sendRecord(entry: Entry): JournalRecord {
  return {
    op: 'send',
    id: entry.id,
    body: entry.body,
    ...(Object.keys(entry.attributes).length > 0 ? { attributes: entry.attributes } : {}),
    ...(entry.groupId !== undefined ? { groupId: entry.groupId } : {}),
    sentAt: entry.sentAt,
    visibleAt: entry.visibleAt,
    ...(entry.receiveCount > 0 ? { receiveCount: entry.receiveCount, firstReceivedAt: entry.firstReceivedAt } : {}),
  };
}
