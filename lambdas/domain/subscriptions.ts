// Support's subscription operations, one `action` per call (DESIGN.md, "Support operations").
// Secrets are shown once, in the response that sets them (create, rotate-secret); every other
// response redacts them.
import { randomBytes } from 'node:crypto';
import type * as z from 'zod';
import { unknownEventTypeWarnings } from './event-types';
import { parseInput } from './input';
import type { Log } from './log';
import type { Clock, SubscriptionRepository } from './ports';
import { NotFoundError, ValidationError } from './errors';
import { redactUrl } from './redaction';
import { newSigningSecret, rotateSecrets, validateSigningSecret } from './signing';
import { subscriptionActionNames as actionNames, subscriptionActions as actions, type SubscriptionAction } from './subscription-input';
import { sendTestEvent, type TestEventDeps, type TestEventSent } from './subscription-test-event';
import { viewOf, type SubscriptionView } from './subscription-view';
import { parseTargetUrl, type TargetRules } from './target';
import type { Subscription, SubscriptionStatus } from './types';

export { viewOf, type SubscriptionView };

export type SubscriptionsResponse =
  | { subscription: SubscriptionView; signingSecret?: string; warnings?: string[] }
  | { subscription: SubscriptionView; test: TestEventSent }
  | { subscriptions: SubscriptionView[] };

export interface SubscriptionDeps {
  repository: SubscriptionRepository;
  clock: Clock;
  log: Log;
  rules: TargetRules;
  /** How long a rotated-out signing secret keeps signing (default 24 h). */
  secretGraceMs: number;
  newId?: () => string;
  /** Where `test` stores its event and wakes its delivery. */
  testEvents: TestEventDeps;
}

export async function handleSubscriptionAction(deps: SubscriptionDeps, input: unknown): Promise<SubscriptionsResponse> {
  const action = actionOf(input);
  return ACTIONS[action](deps, input, deps.clock.now().toISOString());
}

type ActionHandler = (deps: SubscriptionDeps, input: unknown, now: string) => Promise<SubscriptionsResponse>;
type Request<A extends SubscriptionAction> = z.output<(typeof actions)[A]>;

/** An action's handler, given its input already validated against the action's schema. */
function handler<S extends z.ZodObject<{ action: z.ZodLiteral<SubscriptionAction> }>>(
  schema: S,
  run: (deps: SubscriptionDeps, req: z.output<S>, now: string) => Promise<SubscriptionsResponse>,
): ActionHandler {
  const what = `${schema.shape.action.value} request`;
  return (deps, input, now) => run(deps, parseInput(schema, input, what), now);
}

/** One handler per action; the compiler insists on one for every action subscription-input.ts names. */
const ACTIONS: Record<SubscriptionAction, ActionHandler> = {
  create: handler(actions.create, create),
  get: handler(actions.get, get),
  list: handler(actions.list, list),
  update: handler(actions.update, update),
  disable: handler(actions.disable, disable),
  enable: handler(actions.enable, enable),
  delete: handler(actions.delete, remove),
  'rotate-secret': handler(actions['rotate-secret'], rotateSecret),
  test: handler(actions.test, sendTest),
};

async function create(deps: SubscriptionDeps, req: Request<'create'>, now: string): Promise<SubscriptionsResponse> {
  const target = parseTargetUrl(req.url, deps.rules);
  if (target.basicAuth && req.basicAuth) throw new ValidationError('give Basic auth either in the url or as `basicAuth`, not both');
  const secret = req.signingSecret === undefined ? newSigningSecret() : validateSigningSecret(req.signingSecret);
  const subscription: Subscription = {
    id: (deps.newId ?? newSubscriptionId)(),
    url: target.url,
    basicAuth: req.basicAuth ?? target.basicAuth,
    eventTypes: req.eventTypes,
    headers: req.headers,
    signingSecrets: [{ secret, createdAt: now }],
    description: req.description,
    maxConcurrency: req.maxConcurrency,
    rateLimit: req.rateLimit,
    status: 'active',
    createdAt: now,
    updatedAt: now,
  };
  await deps.repository.create(subscription);
  deps.log.info('subscription created', { subscriptionId: subscription.id, url: redactUrl(subscription.url) });
  return withWarnings({ subscription: viewOf(subscription, { reveal: true }) }, unknownEventTypeWarnings(req.eventTypes));
}

async function get(deps: SubscriptionDeps, req: Request<'get'>): Promise<SubscriptionsResponse> {
  return { subscription: viewOf(await load(deps, req.id, { includeDeleted: true })) };
}

async function list(deps: SubscriptionDeps, req: Request<'list'>): Promise<SubscriptionsResponse> {
  const statuses: SubscriptionStatus[] = req.status ? [req.status] : ['active', 'disabled'];
  return { subscriptions: (await deps.repository.listByStatus(statuses)).map((s) => viewOf(s)) };
}

async function update(deps: SubscriptionDeps, req: Request<'update'>, now: string): Promise<SubscriptionsResponse> {
  const changes = Object.keys(req).filter((k) => k !== 'action' && k !== 'id');
  if (changes.length === 0) {
    throw new ValidationError(
      'update request changes nothing: give at least one of ' +
        '`url`, `basicAuth`, `eventTypes`, `headers`, `description`, `maxConcurrency`, `rateLimit`',
    );
  }
  const current = await load(deps, req.id);
  const next: Subscription = { ...current, updatedAt: now };
  if (req.url !== undefined) {
    const target = parseTargetUrl(req.url, deps.rules);
    // `basicAuth: null` (remove) next to userinfo (set) is as contradictory as two sets of credentials.
    if (target.basicAuth && req.basicAuth !== undefined)
      throw new ValidationError('give Basic auth either in the url or as `basicAuth`, not both');
    next.url = target.url;
    if (target.basicAuth) next.basicAuth = target.basicAuth;
  }
  if (req.basicAuth !== undefined) next.basicAuth = req.basicAuth ?? undefined;
  if (req.eventTypes !== undefined) next.eventTypes = req.eventTypes ?? undefined;
  if (req.headers !== undefined) next.headers = req.headers ?? undefined;
  if (req.description !== undefined) next.description = req.description ?? undefined;
  if (req.maxConcurrency !== undefined) next.maxConcurrency = req.maxConcurrency ?? undefined;
  if (req.rateLimit !== undefined) next.rateLimit = req.rateLimit ?? undefined;
  await deps.repository.put(next, { expectedUpdatedAt: current.updatedAt });
  deps.log.info('subscription updated', { subscriptionId: next.id, fields: changes });
  return withWarnings({ subscription: viewOf(next) }, unknownEventTypeWarnings(req.eventTypes));
}

/** Accepted, but likely not what was meant: the caller is told, the change is kept. */
function withWarnings<T extends object>(response: T, warnings: string[]): T & { warnings?: string[] } {
  return warnings.length > 0 ? { ...response, warnings } : response;
}

/** One event to this subscription only (subscription-test-event.ts). */
async function sendTest(deps: SubscriptionDeps, req: Request<'test'>): Promise<SubscriptionsResponse> {
  const subscription = await load(deps, req.id);
  return {
    subscription: viewOf(subscription),
    test: await sendTestEvent({ ...deps.testEvents, clock: deps.clock, log: deps.log }, subscription, req),
  };
}

async function disable(deps: SubscriptionDeps, req: Request<'disable'>, now: string): Promise<SubscriptionsResponse> {
  return replace(deps, req.id, now, 'subscription disabled', (next) => {
    next.status = 'disabled';
    next.disabledReason = 'manual';
  });
}

/** Active again, with a clean slate: no reason, no failing run. */
async function enable(deps: SubscriptionDeps, req: Request<'enable'>, now: string): Promise<SubscriptionsResponse> {
  return replace(
    deps,
    req.id,
    now,
    'subscription enabled',
    (next) => {
      next.status = 'active';
      delete next.disabledReason;
      delete next.failingSince;
      delete next.runDeliveredAt;
    },
    { endFailingRun: true },
  );
}

/** Kept as `deleted` (get still shows it); its pending deliveries fail when they come up. */
async function remove(deps: SubscriptionDeps, req: Request<'delete'>, now: string): Promise<SubscriptionsResponse> {
  return replace(deps, req.id, now, 'subscription deleted', (next) => {
    next.status = 'deleted';
    delete next.disabledReason;
  });
}

async function rotateSecret(deps: SubscriptionDeps, req: Request<'rotate-secret'>, now: string): Promise<SubscriptionsResponse> {
  let secret = '';
  const rotated = await replace(
    deps,
    req.id,
    now,
    'subscription signing secret rotated',
    (next) => {
      // Checked once the subscription is known to exist, so an unknown id is the error reported first.
      secret = req.signingSecret === undefined ? newSigningSecret() : validateSigningSecret(req.signingSecret);
      next.signingSecrets = rotateSecrets(next.signingSecrets, secret, deps.clock.now(), deps.secretGraceMs);
    },
    { logFields: { graceMs: deps.secretGraceMs } },
  );
  // The new secret is shown this once; the view masks every secret.
  return { ...rotated, signingSecret: secret };
}

/**
 * Read-modify-write of a live subscription: `change` edits a copy, stored only if nobody changed it
 * meanwhile. The sender's failing run and circuit are not support's to store (ports.ts, `put`): they
 * stay as stored unless `endFailingRun` says support ends the run.
 */
async function replace(
  deps: SubscriptionDeps,
  id: string,
  now: string,
  logMessage: string,
  change: (next: Subscription) => void,
  options: { logFields?: Record<string, unknown>; endFailingRun?: boolean } = {},
): Promise<{ subscription: SubscriptionView }> {
  const current = await load(deps, id);
  const next: Subscription = { ...current, updatedAt: now };
  change(next);
  await deps.repository.put(next, { expectedUpdatedAt: current.updatedAt, endFailingRun: options.endFailingRun });
  deps.log.info(logMessage, { subscriptionId: next.id, ...options.logFields });
  return { subscription: viewOf(next) };
}

function actionOf(input: unknown): SubscriptionAction {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new ValidationError('subscriptions request must be a JSON object');
  const action = (input as { action?: unknown }).action;
  if (action === undefined) throw new ValidationError(`action: is required, one of ${actionNames.join(', ')}`);
  if (typeof action !== 'string' || !actionNames.includes(action as SubscriptionAction)) {
    throw new ValidationError(`action: must be one of ${actionNames.join(', ')}`);
  }
  return action as SubscriptionAction;
}

async function load(deps: SubscriptionDeps, id: string, options: { includeDeleted?: boolean } = {}): Promise<Subscription> {
  const subscription = await deps.repository.get(id);
  if (!subscription) throw new NotFoundError(`id: no subscription ${id}`);
  if (subscription.status === 'deleted' && !options.includeDeleted) {
    throw new NotFoundError(`id: subscription ${id} was deleted (${subscription.updatedAt}); create a new one`);
  }
  return subscription;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** `sub_` + 20 random base32 characters (100 bits). */
export function newSubscriptionId(): string {
  const bytes = randomBytes(20);
  let out = 'sub_';
  for (const byte of bytes) out += BASE32[byte & 31];
  return out;
}
