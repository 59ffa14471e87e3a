// The delivery state machine: each transition a stored delivery can make, named, with the predicate
// that says when it is allowed and, beside it, the DynamoDB condition expression that enforces the
// same predicate atomically in storage. test/storage/delivery-conditions.test.ts checks that each
// pair agrees on the same items.
//
// Conditions stay flat ORs of ANDs (AND binds tighter than OR): the same meaning as a nested form,
// and dynalite's parser (the local runtime) backtracks exponentially on nested parentheses.
import type { DeliveryStatus } from './types';

/** A stored delivery as the lifecycle sees it; `undefined` where no item is stored (planned, or no such delivery). */
export interface DeliveryState {
  status: DeliveryStatus;
  /** Number of the last attempt claimed. */
  attemptCount: number;
  nextAttemptAt?: string;
  leaseUntil?: string;
  updatedAt: string;
  /** Under the sweeper's watch (in the pending index). */
  watched: boolean;
  /** The event's receipt: where the first attempt budget starts. */
  createdAt?: string;
  /** Where a resend started the current budget. */
  budgetStartedAt?: string;
  /** Its attempt was handed back unmade (a deferral), not made and failed (a retry); absent: false. */
  deferred?: boolean;
}

/** A condition expression with its placeholders: `#status` for `status`, `:name` for values. */
export interface StorageCondition {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
}

export interface Transition<P> {
  can(state: DeliveryState | undefined, params: P): boolean;
  condition(params: P): StorageCondition;
}

const STATUS = { '#status': 'status' };

/** A lease that has run out (its sender crashed or timed out) no longer holds the delivery. */
export function leaseExpired(leaseUntil: string, now: string): boolean {
  return leaseUntil < now;
}

/** An attempt is in flight: a sender holds a lease that has not run out. */
export function hasLiveLease(state: Pick<DeliveryState, 'leaseUntil'>, now: string): boolean {
  return state.leaseUntil !== undefined && !leaseExpired(state.leaseUntil, now);
}

// --- claim: a sender takes attempt `attempt` with a lease ---

export interface ClaimParams {
  attempt: number;
  now: string;
  /** The first claim of a planned delivery creates its item. */
  creates: boolean;
}

/**
 * Either the previous attempt is done (no lease, or an expired one) and this one is due, or this
 * attempt was claimed before by a sender whose lease ran out, and may be taken over.
 */
export function canClaim(state: DeliveryState | undefined, { attempt, now, creates }: ClaimParams): boolean {
  if (!state) return creates;
  if (state.status !== 'pending') return false;
  const due = state.nextAttemptAt !== undefined && state.nextAttemptAt <= now;
  const nextAttempt = state.attemptCount === attempt - 1 && due && !hasLiveLease(state, now);
  const takeOver = state.attemptCount === attempt && state.leaseUntil !== undefined && leaseExpired(state.leaseUntil, now);
  return nextAttempt || takeOver;
}

/** The three ways `canClaim` allows an attempt on a stored delivery, as ANDs of a flat OR. */
const CLAIMABLE = [
  '#status = :pending AND attemptCount = :prev AND nextAttemptAt <= :now AND attribute_not_exists(leaseUntil)',
  '#status = :pending AND attemptCount = :prev AND nextAttemptAt <= :now AND leaseUntil < :now',
  '#status = :pending AND attemptCount = :n AND leaseUntil < :now',
];

export function claimCondition({ attempt, now, creates }: ClaimParams): StorageCondition {
  const expression = CLAIMABLE.join(' OR ');
  return {
    expression: creates ? `attribute_not_exists(eventId) OR ${expression}` : expression,
    names: STATUS,
    values: { ':pending': 'pending', ':prev': attempt - 1, ':n': attempt, ':now': now },
  };
}

// --- postpone: a sender hands a due attempt back without claiming it (its circuit is open) ---

export interface PostponeParams extends ClaimParams {
  /** The budget must have started after this (the deferral's end minus the retry horizon), or its horizon comes first. */
  budgetStartedAfter: string;
}

/**
 * What a claim followed by a deferral allows, in one write: the attempt could be claimed now, and
 * its budget's horizon falls after the deferral (a delivery near its horizon takes the claim path,
 * which concludes it). A planned delivery is created so only when the caller knows its event's
 * receipt is recent enough (`creates`).
 */
export function canPostpone(state: DeliveryState | undefined, params: PostponeParams): boolean {
  if (!canClaim(state, params)) return false;
  if (!state) return true;
  const start = state.budgetStartedAt ?? state.createdAt;
  return start !== undefined && start > params.budgetStartedAfter;
}

export function postponeCondition(params: PostponeParams): StorageCondition {
  const claim = claimCondition(params);
  const recent = ['budgetStartedAt > :startedAfter', 'attribute_not_exists(budgetStartedAt) AND createdAt > :startedAfter'];
  const stored = CLAIMABLE.flatMap((claimable) => recent.map((budget) => `${claimable} AND ${budget}`)).join(' OR ');
  return {
    expression: params.creates ? `attribute_not_exists(eventId) OR ${stored}` : stored,
    names: claim.names,
    values: { ...claim.values, ':startedAfter': params.budgetStartedAfter },
  };
}

// --- complete / close: the sender that claimed an attempt concludes it ---

export interface HeldLease {
  /** The attempt the sender claimed. */
  attempt: number;
  /** The lease its claim set. */
  lease: string;
}

/** The delivery still holds the sender's claim: nobody took it over since. */
function holdsLease(state: DeliveryState | undefined, { attempt, lease }: HeldLease): boolean {
  return state !== undefined && state.attemptCount === attempt && state.leaseUntil === lease;
}

function holdsLeaseCondition({ attempt, lease }: HeldLease): StorageCondition {
  return { expression: 'attemptCount = :n AND leaseUntil = :heldLease', names: {}, values: { ':n': attempt, ':heldLease': lease } };
}

/** Records an attempt's result (delivered, retry pending, failed, paused on 410). */
export const canComplete = holdsLease;
export const completeCondition = holdsLeaseCondition;

/** Ends a claimed delivery without an HTTP attempt (event expired, subscription deleted or disabled). */
export const canClose = holdsLease;
export const closeCondition = holdsLeaseCondition;

/** Hands a claimed attempt back without making it, due again later (deferral.ts: open circuit, limits). */
export const canDefer = holdsLease;
export const deferCondition = holdsLeaseCondition;

// --- restart: support resends, starting a fresh attempt budget ---

export interface RestartParams {
  now: string;
  /** `updatedAt` of the item as the caller read it; undefined when it read no item (a planned delivery). */
  seenUpdatedAt: string | undefined;
}

/**
 * Unchanged since the caller read it (every claim and completion changes `updatedAt`) and no attempt
 * in flight, whose sender will conclude it; a planned delivery only while it is still not stored.
 */
export function canRestart(state: DeliveryState | undefined, { now, seenUpdatedAt }: RestartParams): boolean {
  if (seenUpdatedAt === undefined) return state === undefined;
  return state !== undefined && state.updatedAt === seenUpdatedAt && !hasLiveLease(state, now);
}

export function restartCondition({ now, seenUpdatedAt }: RestartParams): StorageCondition {
  if (seenUpdatedAt === undefined) return { expression: 'attribute_not_exists(eventId)', names: {}, values: {} };
  return {
    expression: 'updatedAt = :seen AND attribute_not_exists(leaseUntil) OR updatedAt = :seen AND leaseUntil < :now',
    names: {},
    values: { ':seen': seenUpdatedAt, ':now': now },
  };
}

// --- watch: the sweeper's safety net takes an unsettled delivery under watch ---

/** Planned (not stored yet), or pending and not yet in the pending index. */
export function canWatch(state: DeliveryState | undefined): boolean {
  return state === undefined || (state.status === 'pending' && !state.watched);
}

export function watchCondition(): StorageCondition {
  return {
    expression: 'attribute_not_exists(eventId) OR #status = :pending AND attribute_not_exists(pendingShard)',
    names: STATUS,
    values: { ':pending': 'pending' },
  };
}

// --- pause: fan-out stores the delivery of a disabled subscription as paused ---

/** Only where nothing is stored: a delivery a repeat of its event already stored keeps its own state. */
export function canPause(state: DeliveryState | undefined): boolean {
  return state === undefined;
}

export function pauseCondition(): StorageCondition {
  return { expression: 'attribute_not_exists(eventId)', names: {}, values: {} };
}

// --- release: a circuit closed, and a delivery that waited behind it is due sooner ---

export interface ReleaseParams {
  /** When it is now due. */
  at: string;
  now: string;
}

/**
 * A deferred delivery (not one waiting out a retry after a failed attempt, whose wait the retry
 * policy sets) that is due later than `at` and has no attempt in flight.
 */
export function canRelease(state: DeliveryState | undefined, { at, now }: ReleaseParams): boolean {
  if (!state || state.status !== 'pending' || state.deferred !== true || hasLiveLease(state, now)) return false;
  return state.nextAttemptAt !== undefined && state.nextAttemptAt > at;
}

export function releaseCondition({ at, now }: ReleaseParams): StorageCondition {
  const waiting = '#status = :pending AND attribute_exists(deferredSince) AND nextAttemptAt > :at';
  return {
    expression: `${waiting} AND attribute_not_exists(leaseUntil) OR ${waiting} AND leaseUntil < :now`,
    names: STATUS,
    values: { ':pending': 'pending', ':at': at, ':now': now },
  };
}

/** Every transition, by name: what the storage test runs over the same items. */
export const deliveryTransitions = {
  claim: { can: canClaim, condition: claimCondition } satisfies Transition<ClaimParams>,
  postpone: { can: canPostpone, condition: postponeCondition } satisfies Transition<PostponeParams>,
  complete: { can: canComplete, condition: completeCondition } satisfies Transition<HeldLease>,
  close: { can: canClose, condition: closeCondition } satisfies Transition<HeldLease>,
  defer: { can: canDefer, condition: deferCondition } satisfies Transition<HeldLease>,
  restart: { can: canRestart, condition: restartCondition } satisfies Transition<RestartParams>,
  watch: { can: canWatch, condition: watchCondition } satisfies Transition<void>,
  pause: { can: canPause, condition: pauseCondition } satisfies Transition<void>,
  release: { can: canRelease, condition: releaseCondition } satisfies Transition<ReleaseParams>,
};
