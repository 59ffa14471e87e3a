// What the domain needs from the outside world. Adapters (DynamoDB, SQS, Scheduler, HTTP) implement
// these; tests may pass in-memory versions. Nothing here imports AWS.
import type { Circuit, CircuitPolicy } from './circuit';
import type {
  Attempt,
  DisabledReason,
  Delivery,
  DeliveryStatus,
  DeliveryWakeup,
  EventBody,
  EventRecord,
  FanoutTarget,
  Subscription,
  SubscriptionStatus,
} from './types';

export interface SubscriptionRepository {
  /** Fails with ConflictError if the id exists. */
  create(subscription: Subscription): Promise<void>;
  get(id: string): Promise<Subscription | undefined>;
  /**
   * Every subscription whose status is one of these, oldest first. One call for all of them: a
   * subscription whose status changes meanwhile is listed once, under its status as it is now.
   */
  listByStatus(statuses: readonly SubscriptionStatus[]): Promise<Subscription[]>;
  /** The subscriptions of one status as fan-out needs them: id, status, event types, lane; secrets left sealed. */
  listTargets(status: SubscriptionStatus): Promise<FanoutTarget[]>;
  /**
   * A number every write of a subscription changes (after the write), read strongly consistent:
   * a cache may keep what it read while the number stays the same.
   */
  version(): Promise<number>;
  /**
   * Stores what support owns of the subscription: everything but its failing run and circuit, which
   * the sender keeps with conditional updates of its own (so a read-modify-write cannot undo one made
   * between its read and its write). Fails with NotFoundError if it does not exist, or with
   * ConflictError when `expectedUpdatedAt` is given and the stored item was changed since.
   */
  put(subscription: Subscription, options?: PutOptions): Promise<void>;
  /**
   * Sets `failingSince` unless it is set already; false when it was (or the subscription is gone).
   * With `replacing`, starts a new run instead: only while `failingSince` is still that value, and
   * forgetting `runDeliveredAt`.
   */
  markFailing(id: string, since: string, replacing?: string): Promise<boolean>;
  /** Records `runDeliveredAt` while the run `since` is the current one and has none yet. */
  markRunDelivered(id: string, at: string, since: string): Promise<void>;
  /** Removes `failingSince` and `runDeliveredAt` (a delivery ended the run). */
  clearFailing(id: string): Promise<void>;
}

export interface PutOptions {
  /** The `updatedAt` read before the change: the write is refused if the stored one differs. */
  expectedUpdatedAt?: string;
  /** Also ends the failing run (`failingSince`, `runDeliveredAt`): support enables the subscription anew. */
  endFailingRun?: boolean;
}

export interface Page<T> {
  items: T[];
  /** Opaque; pass back to read the next page. Absent on the last page. */
  cursor?: string;
}

export interface DeliveryQuery {
  subscriptionId: string;
  /** Inclusive ISO 8601 bounds on `createdAt`. */
  from: string;
  to: string;
  status?: DeliveryStatus;
}

/** The state a finished attempt moves the delivery to (`paused`: the receiver said 410 Gone). */
export type AttemptConclusion =
  { status: 'delivered' } | { status: 'failed' } | { status: 'paused' } | { status: 'pending'; nextAttemptAt: string };

/** What a delivery item is created from when its first claim (or a resend) creates it. */
export interface DeliveryOrigin {
  eventType: string;
  /** The event's `receivedAt`: deliveries are listed and resent by this time. */
  createdAt: string;
}

/**
 * Deliveries are stored from their first attempt on: fan-out records the plan on the event item
 * (`subscriptionIds`) and wakes the sender, and the first claim creates the delivery item. Until
 * then the readers show a planned delivery (pending, no attempt yet) from its event's plan. Only
 * deliveries of subscriptions that are disabled at fan-out are written at ingest (paused).
 */
export interface DeliveryRepository {
  /** Conditional put: false (and nothing written) when an event with that id is already stored. */
  putEventIfAbsent(event: EventRecord): Promise<boolean>;
  /** The event with its whole plan (which may take more than one read). */
  getEvent(eventId: string): Promise<EventRecord | undefined>;
  /** The event without its plan: what an attempt whose wake-up did not carry the body reads. */
  getEventBody(eventId: string): Promise<EventBody | undefined>;

  /**
   * Stores deliveries before any attempt (those paused at fan-out), each with a conditional put:
   * one that exists already (a repeat of its event woke it, and its first claim stored it) is kept.
   */
  storeDeliveries(deliveries: Delivery[]): Promise<void>;

  /** The stored delivery, or the planned one its event promises, or undefined. */
  get(deliveryId: string): Promise<Delivery | undefined>;
  /** The stored or planned deliveries among the given ids, in the order asked, each once. */
  getMany(deliveryIds: string[]): Promise<Delivery[]>;
  /** Stored and planned deliveries of the event (empty when the event is unknown); `event` when read already. */
  listByEvent(eventId: string, event?: EventRecord): Promise<Delivery[]>;
  /** Stored deliveries only: a planned one has no attempt yet and is not worth resending. */
  listBySubscription(query: DeliveryQuery, limit: number, cursor?: string): Promise<Page<Delivery>>;
  /** Watched pending deliveries whose next attempt was due before `dueBefore`, most overdue first. */
  listOverdue(dueBefore: string, limit: number): Promise<Delivery[]>;
  /**
   * Puts every delivery of the event's plan that is pending but not yet watched by `listOverdue`
   * (never attempted, or its first attempt still claimed) under that watch, creating a planned one
   * as a pending item due at the event's receipt. Returns the delivery ids it took under watch
   * (none for an unknown event). Reads eventually consistent: the sweeper comes minutes later.
   */
  watchUnsettled(eventId: string): Promise<string[]>;

  /**
   * Claims attempt `wakeup.attempt` with a conditional write. Succeeds when the delivery is pending,
   * due (nextAttemptAt <= now) and its last attempt is `attempt - 1`, or when attempt `attempt`
   * was claimed before and that lease has expired; with `origin` (attempt 1 only) also when the
   * delivery does not exist yet, which this claim then creates. Returns the claimed delivery.
   */
  claimAttempt(wakeup: DeliveryWakeup, now: string, leaseUntil: string, origin?: DeliveryOrigin): Promise<Delivery | undefined>;
  /**
   * Hands attempt `wakeup.attempt` back without claiming it, due again at `until` (a deferral in one
   * write where a claim and `deferClaimed` take two): allowed when the attempt could be claimed now
   * and the budget's horizon falls after `until`; with `origin` (attempt 1) a planned delivery is
   * created so, if its event is recent enough. Returns what the delivery had been deferred for before
   * (nothing, if it was not or was just created); undefined when it could not be postponed.
   */
  postponeAttempt(
    wakeup: DeliveryWakeup,
    postponement: Postponement,
    origin?: DeliveryOrigin,
  ): Promise<Pick<Delivery, 'deferredSince' | 'deferReason'> | undefined>;
  /**
   * Moves a deferred delivery's next attempt forward to `at` (its circuit closed): only while it is
   * pending, deferred (not waiting out a retry), due later than `at` and not in flight. Returns the
   * wake-up of its next attempt, or undefined when it was not so.
   */
  release(deliveryId: string, at: string, now: string): Promise<DeliveryWakeup | undefined>;
  /**
   * Ends the lease on attempt `wakeup.attempt` at `now`, so that the attempt may be claimed again
   * at once: for a caller that knows its holder is gone (the local runtime, after a restart, of the
   * attempts its previous process had in flight). False when there was no live lease on it.
   */
  endLease(wakeup: DeliveryWakeup, now: string): Promise<boolean>;
  /**
   * Records the attempt and moves the delivery to `conclusion`, provided the delivery still holds
   * that attempt. Returns false when someone else took the delivery over meanwhile. A delivered
   * attempt may be kept on the delivery item rather than in the attempt log; `listAttempts` shows both.
   */
  completeAttempt(delivery: Delivery, attempt: Attempt, conclusion: AttemptConclusion, now: string): Promise<boolean>;
  /** Ends a delivery without an HTTP attempt (e.g. its subscription is gone), from the claimed state. */
  closeWithoutAttempt(delivery: Delivery, status: 'failed' | 'paused', reason: string, now: string): Promise<boolean>;
  /**
   * Hands the claimed attempt back without making it (a deferral): due again at `until`, still
   * pending, the attempt number given back. False when the delivery no longer holds that attempt.
   */
  deferClaimed(delivery: Delivery, until: string, reason: string, now: string): Promise<boolean>;
  /**
   * Starts a fresh attempt budget now: status pending, budgetStart = attemptCount, trigger manual.
   * A planned delivery (not stored yet) is created so. Returns undefined when an attempt is in
   * flight (live lease) or the delivery is neither stored nor planned.
   */
  restartBudget(delivery: Delivery, now: string): Promise<Delivery | undefined>;

  listAttempts(deliveryId: string): Promise<Attempt[]>;
}

/**
 * The fan-out log: which events each ingest batch accepted, by the minute it was written, so the
 * sweeper can look at every event once after the grace period.
 */
/** A deferral of an attempt that was never claimed. */
export interface Postponement {
  until: string;
  reason: string;
  now: string;
  /** The budget must have started after this (`until` minus the retry horizon). */
  budgetStartedAfter: string;
}

export interface FanoutLog {
  /** Written before the batch's events are stored, so a crash after it loses nothing. */
  record(eventIds: string[], at: Date): Promise<void>;
  /** Event ids recorded in the minute starting at `minute` (ISO 8601, whole minute). */
  eventIdsOf(minute: string): Promise<string[]>;
  /** The first minute the sweeper has not looked at yet, if it ever ran. */
  sweptUntil(): Promise<string | undefined>;
  /** When the log was created (ISO 8601), if known: nothing can have been recorded before it. */
  createdAt(): Promise<string | undefined>;
  setSweptUntil(minute: string): Promise<void>;
}

/**
 * The deliveries that began waiting behind a subscription's circuit while it was open, by the time
 * it opened, so that its close can release them (delivery/release.ts). Entries outlive the wait;
 * the release skips those no longer waiting.
 */
export interface WaitList {
  add(subscriptionId: string, openedAt: string, deliveryId: string, now: Date): Promise<void>;
  /** Delivery ids from `after` (a cursor of an earlier page) on, a page at a time, each once. */
  page(subscriptionId: string, openedAt: string, after?: string): Promise<Page<string>>;
}

/** Wakes the sender for an attempt: now, after a short delay (SQS), or at a later time (Scheduler). */
export interface WakeupQueue {
  /** Batched sends; returns the wakeups that could not be sent. */
  sendNow(wakeups: DeliveryWakeup[]): Promise<DeliveryWakeup[]>;
  /** SQS counts whole seconds: the SQS adapter rounds up (never early); an in-process queue may be exact. */
  sendDelayed(wakeup: DeliveryWakeup, delayMs: number): Promise<void>;
}

/**
 * Which overdue deliveries still have a wake-up waiting in the queue or being handled, so the sweeper
 * does not add another: the local runtime looks into its in-process queue; on SQS, which cannot be
 * looked into, the senders' reported lateness tells (queue-lag.ts).
 */
export interface QueuedWakeups {
  stillQueued(deliveries: Array<Pick<Delivery, 'deliveryId' | 'nextAttemptAt'>>): Promise<Set<string>>;
}

export interface WakeupScheduler {
  /** Creates a one-time schedule; a schedule of the same wakeup that already exists counts as done. */
  scheduleAt(wakeup: DeliveryWakeup, at: Date): Promise<void>;
}

export interface DeadLetters {
  /** Parks a rejected event with the reason, so nothing is dropped silently. */
  reject(body: string, reason: string, sourceMessageId: string): Promise<void>;
}

/** Result of one HTTP POST, before classification into an outcome. */
export type HttpResult =
  | { kind: 'response'; statusCode: number; headers: Record<string, string>; body: string; durationMs: number }
  | { kind: 'timeout'; durationMs: number; error: string }
  | { kind: 'network'; durationMs: number; error: string; code?: string }
  | { kind: 'blocked'; durationMs: number; error: string };

export interface WebhookRequest {
  /** URL without userinfo. Contains the URL secret: never log it. */
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface WebhookClient {
  post(request: WebhookRequest): Promise<HttpResult>;
}

/** Something support must hear about: a subscription the service disabled by itself. */
export interface DisabledNotice {
  kind: 'subscription-disabled';
  subscriptionId: string;
  reason: DisabledReason;
  /** Redacted. */
  url: string;
  at: string;
  detail: string;
}

/** A subscription's circuit opened (its deliveries wait for probes) or closed again: one notice each. */
export interface CircuitNotice {
  kind: 'circuit-opened' | 'circuit-closed';
  subscriptionId: string;
  /** Redacted. */
  url: string;
  at: string;
  detail: string;
}

export type SubscriptionNotice = DisabledNotice | CircuitNotice;

export interface Notifier {
  notify(notice: SubscriptionNotice): Promise<void>;
}

/**
 * A subscription's circuit breaker, kept on the subscription item (circuit.ts). Every write is
 * conditional on the state it starts from, and none touches `updatedAt`: support's read-modify-write
 * of the subscription does not conflict with the sender's.
 */
export interface CountedFailure {
  /** The circuit afterwards: open when this call opened it. */
  circuit: Circuit;
  /** The run as this failure left it counted (the run that opened the circuit, when it did). */
  run: Circuit;
  opened: boolean;
}

export interface CircuitRepository {
  /**
   * One more counted failure while closed (the first of a run also records when the run began);
   * opens the circuit when the run, so counted, opens it (`runOpens`). Undefined when it was not closed.
   */
  countFailure(
    id: string,
    now: Date,
    policy: Pick<CircuitPolicy, 'failureThreshold' | 'minRunMs' | 'firstProbeMs'>,
  ): Promise<CountedFailure | undefined>;
  /** Ends a run of failures while closed (its count and start). */
  resetFailures(id: string): Promise<void>;
  /** open (or probing with an expired lease) and due -> probing until `leaseUntil`; false when another took it. */
  takeProbe(id: string, now: Date, leaseUntil: Date): Promise<boolean>;
  /**
   * probing -> closed. The opening it closed, as stored (`openedAt`: when the circuit opened, which
   * names the opening's wait list); undefined when not probing (another probe decided).
   */
  close(id: string, now: Date): Promise<{ openedAt?: string } | undefined>;
  /** probing -> open, the next probe after `backoffMs`; false when not probing. */
  reopen(id: string, now: Date, backoffMs: number): Promise<boolean>;
  /** Keeps the subscription in the slow lane until `until` (never shortens it). */
  markSlow(id: string, until: Date): Promise<void>;
  /** One more delivery waiting behind the circuit opened at `since`. */
  countWaiting(id: string, since: string): Promise<void>;
}

export interface Clock {
  now(): Date;
}
