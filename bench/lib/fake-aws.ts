// In-memory SQS, EventBridge Scheduler and SNS behind the clients' `send`, for the benchmarks: they
// keep what was sent (so a benchmark can feed it back to the sender) and count every request by
// operation, including SQS's billing rule that each started 64 KB of payload is one request.
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';

const SQS_BILLING_CHUNK = 64 * 1024;
const MAX_BATCH_ENTRIES = 10;
const MAX_MESSAGE_BYTES = 256 * 1024;

interface CommandLike {
  constructor: { name: string };
  input: Record<string, unknown>;
}

export interface FakeMessage {
  id: string;
  queueUrl: string;
  body: string;
  /** Epoch ms on the fake's clock. */
  visibleAt: number;
  sentAt: number;
}

export interface FakeSchedule {
  name: string;
  at: number;
  input: string;
  targetArn: string;
}

function bump(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/** Counts shared by the fakes: `Service.Operation` -> requests, plus SQS's billed requests. */
export class AwsCounts {
  readonly requests = new Map<string, number>();
  /** SQS requests as billed: each started 64 KB of a request's payload counts once. */
  sqsBilled = 0;

  count(key: string, by = 1): void {
    bump(this.requests, key, by);
  }

  get(key: string): number {
    return this.requests.get(key) ?? 0;
  }

  reset(): void {
    this.requests.clear();
    this.sqsBilled = 0;
  }

  toJSON(): Record<string, unknown> {
    return { requests: Object.fromEntries(this.requests), sqsBilled: this.sqsBilled };
  }
}

export class FakeSqs {
  private readonly queues = new Map<string, FakeMessage[]>();
  private sequence = 0;

  constructor(
    readonly counts: AwsCounts,
    private readonly now: () => number = Date.now,
  ) {}

  /** The SQS client the adapters take; only `send` is called on it, hence the structural stand-in. */
  client(): SQSClient {
    return { send: (command: CommandLike) => this.send(command) } as unknown as SQSClient;
  }

  async send(command: CommandLike): Promise<unknown> {
    const input = command.input;
    const queueUrl = String(input.QueueUrl);
    switch (command.constructor.name) {
      case 'SendMessageCommand': {
        const body = String(input.MessageBody);
        this.bill('SQS.SendMessage', Buffer.byteLength(body) + attributesBytes(input.MessageAttributes));
        const message = this.enqueue(queueUrl, body, Number(input.DelaySeconds ?? 0));
        return { MessageId: message.id };
      }
      case 'SendMessageBatchCommand': {
        const entries = input.Entries as Array<{ Id: string; MessageBody: string; DelaySeconds?: number }>;
        if (entries.length === 0 || entries.length > MAX_BATCH_ENTRIES) {
          throw Object.assign(new Error(`batch of ${entries.length} entries`), { name: 'TooManyEntriesInBatchRequest' });
        }
        const bytes = entries.reduce((n, e) => n + Buffer.byteLength(e.MessageBody), 0);
        if (bytes > MAX_MESSAGE_BYTES) throw Object.assign(new Error('batch too long'), { name: 'BatchRequestTooLong' });
        this.bill('SQS.SendMessageBatch', bytes);
        const successful = entries.map((e) => ({
          Id: e.Id,
          MessageId: this.enqueue(queueUrl, e.MessageBody, e.DelaySeconds ?? 0).id,
          MD5OfMessageBody: '',
        }));
        return { Successful: successful, Failed: [] };
      }
      default:
        throw new Error(`fake SQS: ${command.constructor.name} is not implemented`);
    }
  }

  /** A message sent by something other than our code (the CRM, EventBridge Scheduler), billed the same. */
  deliver(queueUrl: string, body: string, source: string): FakeMessage {
    this.bill(`SQS.SendMessage (${source})`, Buffer.byteLength(body));
    return this.enqueue(queueUrl, body, 0);
  }

  /** Messages published by someone else in one SendMessageBatch (the CRM): one request per call. */
  deliverBatch(queueUrl: string, bodies: readonly string[], source: string): void {
    if (bodies.length === 0 || bodies.length > MAX_BATCH_ENTRIES) throw new Error(`batch of ${bodies.length} entries`);
    this.bill(
      `SQS.SendMessageBatch (${source})`,
      bodies.reduce((n, b) => n + Buffer.byteLength(b), 0),
    );
    for (const body of bodies) this.enqueue(queueUrl, body, 0);
  }

  /**
   * Up to `max` messages visible now, oldest first, removed from the queue: what one receive of the
   * Lambda event source mapping would hand the function (its ReceiveMessage and DeleteMessageBatch
   * are counted by the caller, which knows how it batches).
   */
  take(queueUrl: string, max: number): FakeMessage[] {
    const queue = this.queues.get(queueUrl) ?? [];
    const now = this.now();
    const taken: FakeMessage[] = [];
    const kept: FakeMessage[] = [];
    for (const message of queue) {
      if (taken.length < max && message.visibleAt <= now) taken.push(message);
      else kept.push(message);
    }
    this.queues.set(queueUrl, kept);
    return taken;
  }

  /** When the next message of the queue becomes visible, or undefined when it is empty. */
  nextVisibleAt(queueUrl: string): number | undefined {
    let next: number | undefined;
    for (const message of this.queues.get(queueUrl) ?? []) if (next === undefined || message.visibleAt < next) next = message.visibleAt;
    return next;
  }

  depth(queueUrl: string): number {
    return this.queues.get(queueUrl)?.length ?? 0;
  }

  messages(queueUrl: string): FakeMessage[] {
    return [...(this.queues.get(queueUrl) ?? [])];
  }

  clear(): void {
    this.queues.clear();
  }

  private bill(op: string, payloadBytes: number): void {
    this.counts.count(op);
    this.counts.sqsBilled += Math.max(1, Math.ceil(payloadBytes / SQS_BILLING_CHUNK));
  }

  private enqueue(queueUrl: string, body: string, delaySeconds: number): FakeMessage {
    const at = this.now();
    const message: FakeMessage = { id: `m-${(this.sequence += 1)}`, queueUrl, body, sentAt: at, visibleAt: at + delaySeconds * 1000 };
    const queue = this.queues.get(queueUrl) ?? [];
    queue.push(message);
    this.queues.set(queueUrl, queue);
    return message;
  }
}

function attributesBytes(attributes: unknown): number {
  if (!attributes || typeof attributes !== 'object') return 0;
  let bytes = 0;
  for (const [name, value] of Object.entries(attributes as Record<string, { DataType?: string; StringValue?: string }>)) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(value.StringValue ?? '');
  }
  return bytes;
}

export class FakeScheduler {
  private readonly schedules = new Map<string, FakeSchedule>();

  constructor(readonly counts: AwsCounts) {}

  client(): SchedulerClient {
    return { send: (command: CommandLike) => this.send(command) } as unknown as SchedulerClient;
  }

  async send(command: CommandLike): Promise<unknown> {
    if (command.constructor.name !== 'CreateScheduleCommand')
      throw new Error(`fake Scheduler: ${command.constructor.name} is not implemented`);
    const input = command.input;
    this.counts.count('Scheduler.CreateSchedule');
    const name = `${String(input.GroupName)}/${String(input.Name)}`;
    if (this.schedules.has(name)) throw Object.assign(new Error(`Schedule ${name} already exists.`), { name: 'ConflictException' });
    const expression = String(input.ScheduleExpression);
    const at = /^at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)$/.exec(expression)?.[1];
    if (!at || input.ScheduleExpressionTimezone !== 'UTC') throw new Error(`fake Scheduler: unexpected expression ${expression}`);
    const target = input.Target as { Arn: string; Input: string };
    this.schedules.set(name, { name, at: Date.parse(`${at}Z`), input: target.Input, targetArn: target.Arn });
    return { ScheduleArn: `arn:aws:scheduler:::schedule/${name}` };
  }

  /** Schedules due by `now`, removed (ActionAfterCompletion DELETE): each is one Scheduler invocation. */
  due(now: number): FakeSchedule[] {
    const due = [...this.schedules.values()].filter((s) => s.at <= now);
    for (const s of due) this.schedules.delete(s.name);
    if (due.length > 0) this.counts.count('Scheduler.Invocation', due.length);
    return due;
  }

  nextAt(): number | undefined {
    let next: number | undefined;
    for (const s of this.schedules.values()) if (next === undefined || s.at < next) next = s.at;
    return next;
  }

  get size(): number {
    return this.schedules.size;
  }
}

export class FakeSns {
  constructor(readonly counts: AwsCounts) {}

  client(): SNSClient {
    return {
      send: async (command: CommandLike) => {
        if (command.constructor.name !== 'PublishCommand') throw new Error(`fake SNS: ${command.constructor.name} is not implemented`);
        this.counts.count('SNS.Publish');
        return { MessageId: 'n' };
      },
    } as unknown as SNSClient;
  }
}
