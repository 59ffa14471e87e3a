// What the steps of one attempt (send-attempt.ts) hand each other. Each step takes the stage before
// it and returns the next stage, or a Stop carrying the attempt's final outcome.
import type { LogFields } from '../log';
import type { LimitGate } from '../limit-gate';
import type { CircuitPolicy } from '../circuit';
import type { Lane } from '../lanes';
import type { Metrics } from '../metrics';
import type {
  AttemptConclusion,
  CircuitRepository,
  DeliveryRepository,
  HttpResult,
  WaitList,
  WakeupQueue,
  WakeupScheduler,
  WebhookClient,
} from '../ports';
import type { RetryPolicy } from '../retry-policy';
import type { HealthDeps } from '../subscription-health';
import type { SubscriptionLookup } from '../subscription-lookup';
import type { Attempt, Delivery, DeliveryWakeup, EventBody, Subscription } from '../types';

export interface SendDeps extends Omit<HealthDeps, 'forget'> {
  deliveries: DeliveryRepository;
  subscriptions: Pick<SubscriptionLookup, 'get' | 'forget' | 'refresh'>;
  webhook: WebhookClient;
  wakeups: Pick<WakeupQueue, 'sendDelayed'>;
  scheduler: WakeupScheduler;
  policy: RetryPolicy;
  attemptTimeoutMs: number;
  userAgent: string;
  /** Uniform in [0, 1) for retry jitter; Math.random by default. */
  random?: () => number;
  metrics?: Metrics;
  /** Per-subscription concurrency and rate limits; without it, no limits are kept. */
  limits?: Pick<LimitGate, 'admit' | 'deferralIfFull'>;
  circuits: CircuitRepository;
  circuitPolicy: CircuitPolicy;
  /** The deliveries waiting behind each open circuit, for its close to release (release.ts). */
  waitList: WaitList;
  /** The queue this sender consumes (lanes.ts). */
  lane: Lane;
  /** The slow lane's queue; absent: one lane. */
  slowWakeups?: Pick<WakeupQueue, 'sendDelayed'>;
}

export type SendOutcome =
  | { kind: 'attempted'; attempt: Attempt; conclusion: Delivery['status'] }
  /** Not attempted now (the circuit is open): the attempt was handed back and wakes at `until`. */
  | { kind: 'deferred'; until: string; reason: string }
  | { kind: 'closed'; status: 'failed' | 'paused'; reason: string }
  | { kind: 'skipped'; reason: string };

/** Not attempted now (the subscription is at its limits): handed back, woken again at `until`. */
export interface WakeupContext {
  /** The queue has handed this message out before: an earlier try may have stopped half-way. */
  redelivered: boolean;
}

/** The attempt ends here with this outcome; no later step runs. */
export interface Stop {
  stop: SendOutcome;
}

export function stop(outcome: SendOutcome): Stop {
  return { stop: outcome };
}

export function isStop<S extends object>(value: S | Stop): value is Stop {
  return 'stop' in value;
}

/** This sender holds the delivery's lease for `wakeup.attempt`. */
export interface Claimed {
  wakeup: DeliveryWakeup;
  delivery: Delivery;
  /** From the wake-up, or read; undefined when the event is no longer stored (retention expired). */
  event: EventBody | undefined;
  /** Ids for every log line of this attempt. */
  fields: LogFields;
}

/** Claimed, with the event to send and an active subscription to send it to. */
export interface Ready extends Claimed {
  event: EventBody;
  subscription: Subscription;
  /** This attempt is the circuit's probe (circuit-gate.ts): its outcome closes or re-opens the circuit. */
  probe?: boolean;
  /** The attempt was seen slow while in flight and the subscription marked for the slow lane already. */
  slowMarked?: boolean;
}

export interface Posted extends Ready {
  startedAt: Date;
  endedAt: Date;
  result: HttpResult;
}

/** The attempt as the attempt log will keep it: classified, secrets scrubbed. */
export interface Classified extends Ready {
  attempt: Attempt;
  endedAt: Date;
  /** The receiver's Retry-After, when it sent one the retry policy honours. */
  retryAfterMs?: number;
}

/** The attempt is recorded and the delivery moved to `conclusion`. */
export interface Concluded extends Classified {
  conclusion: AttemptConclusion;
}
