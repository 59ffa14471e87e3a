// The vocabulary of the service. Plain data, no AWS types: the storage adapters map these to items.
import type { Circuit, LaneCircuit } from './circuit';

export type SubscriptionStatus = 'active' | 'disabled' | 'deleted';
export type DisabledReason = 'manual' | 'gone' | 'failing';

export interface BasicAuth {
  username: string;
  password: string;
}

/** A Standard Webhooks signing secret (`whsec_…`); a rotated-out one keeps signing until it expires. */
export interface SigningSecret {
  secret: string;
  createdAt: string;
  expiresAt?: string;
}

export interface Subscription {
  /** `sub_` + 20 lowercase base32 characters; never contains a dot (delivery ids rely on that). */
  id: string;
  /** Target URL as support entered it, secret included, userinfo moved to `basicAuth`. Redact before showing. */
  url: string;
  basicAuth?: BasicAuth;
  /** Event types this subscription receives; absent means every event. */
  eventTypes?: string[];
  /** Static headers sent with every request (e.g. an API key). Values are secrets: redact them. */
  headers?: Record<string, string>;
  /** Signing secrets, newest first; requests carry a signature for each one not yet expired. */
  signingSecrets?: SigningSecret[];
  description?: string;
  /** Most POSTs in flight to this subscription at once, over all senders; absent: the default (subscription-limits.ts). */
  maxConcurrency?: number;
  /** Most POSTs per second to this subscription, over all senders; absent: no rate limit. */
  rateLimit?: number;
  status: SubscriptionStatus;
  /** Why it is disabled: `manual` (support), `gone` (the receiver answered 410), `failing` (nothing delivered for days). */
  disabledReason?: DisabledReason;
  /**
   * Start of the current run of failed attempts; absent while healthy. Deliveries in a run's first
   * hour do not end it (subscription-health.ts).
   */
  failingSince?: string;
  /**
   * A delivery that came in the current run's first hour (which did not end the run), recorded once
   * per run. A failure an hour or more after it starts a new run: the receiver was working then.
   */
  runDeliveredAt?: string;
  /** The circuit breaker (circuit.ts); absent: closed, never opened. Written by the sender only. */
  circuit?: Circuit;
  createdAt: string;
  updatedAt: string;
}

/**
 * A subscription as fan-out reads it from the `byStatus` index: no secret (ingest never decrypts
 * one) and, of its circuit, only what picks its lane.
 */
export type FanoutTarget = Pick<Subscription, 'id' | 'status' | 'eventTypes'> & { circuit?: LaneCircuit };

/** One CRM event as accepted by ingest. The body is kept byte for byte; it is never re-serialised. */
export interface EventRecord {
  eventId: string;
  type: string;
  body: string;
  receivedAt: string;
  /** SQS message id of the message that brought the event first. */
  sourceMessageId: string;
  /** The subscriptions the event was fanned out to, fixed at first ingest so a re-ingest repeats the same plan. */
  subscriptionIds: string[];
}

/** What an attempt needs of its event: the body to POST, and the type and receipt. */
export type EventBody = Pick<EventRecord, 'eventId' | 'type' | 'body' | 'receivedAt'>;

/** Every status a delivery can have: the console's and the CLI's choices come from this list. */
export const deliveryStatuses = ['pending', 'delivered', 'failed', 'paused'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];
export type AttemptTrigger = 'initial' | 'retry' | 'manual';
export type AttemptOutcome = 'delivered' | 'http_status' | 'timeout' | 'network' | 'blocked';

/** One event for one subscription. Its id is derived from both (see delivery-id.ts). */
export interface Delivery {
  deliveryId: string;
  eventId: string;
  subscriptionId: string;
  eventType: string;
  status: DeliveryStatus;
  createdAt: string;
  updatedAt: string;
  /** Number of the last attempt claimed (attempts are numbered 1, 2, ... over the delivery's whole life). */
  attemptCount: number;
  /** `attemptCount` when the current attempt budget began: 0, or the count at the last resend. */
  budgetStart: number;
  /** When the next attempt is due; set only while pending. */
  nextAttemptAt?: string;
  nextTrigger?: AttemptTrigger;
  /** Set while a sender holds attempt `attemptCount`; an expired lease may be claimed again. */
  leaseUntil?: string;
  lastAttempt?: AttemptSummary;
  /** Why the delivery ended or paused without an HTTP attempt (e.g. subscription deleted). */
  statusReason?: string;
  completedAt?: string;
  /** When the current budget began by a resend; absent for the first budget, which began at `createdAt`. */
  budgetStartedAt?: string;
  /** Set while the due attempt waits without being made (deferred, e.g. behind an open circuit): since when, and why. */
  deferredSince?: string;
  deferReason?: string;
}

export interface AttemptSummary {
  number: number;
  outcome: AttemptOutcome;
  statusCode?: number;
  startedAt: string;
  error?: string;
}

/** One HTTP attempt as recorded in the attempt log. Never holds a secret. */
export interface Attempt {
  deliveryId: string;
  number: number;
  trigger: AttemptTrigger;
  startedAt: string;
  durationMs: number;
  outcome: AttemptOutcome;
  statusCode?: number;
  error?: string;
  /** First 4 KiB of the response body, as text. */
  responseBody?: string;
}

/**
 * The message that wakes the sender for one attempt. State stays in DynamoDB; the message only says
 * which attempt to try, and, when the waker knows it, the event: its type and receipt (what the first
 * claim creates the delivery item from) and its body, byte for byte, when it fits into the message
 * (wakeup-message.ts), so that the sender does not read the event item.
 */
export interface DeliveryWakeup {
  deliveryId: string;
  attempt: number;
  event?: WakeupEvent;
  /** Behind an open circuit: when this delivery began waiting there (its waits behind it double). */
  waitingSince?: string;
  /** This wake-up also carries on releasing its subscription's waiting deliveries (delivery/release.ts). */
  release?: WaitRelease;
}

/** Where a release of the deliveries that waited behind a circuit goes on. */
export interface WaitRelease {
  /** When the circuit opened: its wait list. */
  openedAt: string;
  /** When it closed: a copy of the subscription from before is stale, and the release ends LONGEST_CIRCUIT_WAIT_MS after. */
  closedAt: string;
  /** Where the next page of the wait list starts (opaque); absent: at its beginning. */
  after?: string;
}

/** What a wake-up carries of its event. */
export interface WakeupEvent {
  type: string;
  receivedAt: string;
  /** The event as published; absent when it did not fit into the message (the sender reads it from the events table). */
  body?: string;
}

/** What the resend function answers (the console and the CLI show it). */
export interface ResendResult {
  dryRun: boolean;
  matched: number;
  resent: number;
  /** The resent deliveries, or with dryRun the ones that would be. */
  deliveryIds: string[];
  /** Matched but not resent, e.g. an attempt is in flight right now. */
  skipped: Array<{ deliveryId: string; reason: string }>;
  /** Ids given that name no stored delivery or event. */
  notFound: string[];
  /** Event ids given with `subscriptionId` that exist but were not fanned out to that subscription. */
  notToSubscription?: string[];
}

/** One message parked in a dead-letter queue, as the dead-letters function lists it. */
export interface DeadLetterSummary {
  messageId: string;
  reason: string;
  sentAt: string;
  /** When ingest rejected it (events refused as invalid); absent for messages the queue moved. */
  rejectedAt?: string;
  receiveCount: number;
  bytes: number;
  /** The body's first bytes (up to 200), cut on a character boundary. */
  excerpt: string;
}
