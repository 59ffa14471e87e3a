// Support's subscription operations, one `action` per call (DESIGN.md, "Support operations").
// Secrets are shown once, in the create response; every other response redacts them.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { isSubscriptionId } from './delivery-id';
import { parseInput } from './input';
import type { Log } from './log';
import { NotFoundError, ValidationError, type Clock, type SubscriptionRepository } from './ports';
import { MASK, redactUrl } from './redaction';
import { parseTargetUrl, type TargetRules } from './target';
import type { BasicAuth, Subscription, SubscriptionStatus } from './types';

const id = z.string({ message: 'is required' }).refine(isSubscriptionId, 'must be a subscription id like sub_abcdefghijklmnopqrst');
const url = z.string({ message: 'must be a string' });
const basicAuth = z.strictObject(
  {
    username: z.string({ message: 'must be a string' }).min(1, 'must not be empty').refine((u) => !u.includes(':'), 'must not contain ":"'),
    password: z.string({ message: 'must be a string' }).min(1, 'must not be empty'),
  },
  { message: 'must be an object {"username": "...", "password": "..."}' },
);
const eventTypes = z
  .array(z.string().min(1, 'must not be empty').max(200), { message: 'must be an array of event type names' })
  .min(1, 'must name at least one type (leave the field out to receive every event)')
  .max(100);
const description = z.string({ message: 'must be a string' }).max(500, 'must be at most 500 characters');

const actions = {
  create: z.strictObject({ action: z.literal('create'), url, basicAuth: basicAuth.optional(), eventTypes: eventTypes.optional(), description: description.optional() }),
  get: z.strictObject({ action: z.literal('get'), id }),
  list: z.strictObject({ action: z.literal('list'), status: z.enum(['active', 'disabled', 'deleted']).optional() }),
  update: z.strictObject({
    action: z.literal('update'),
    id,
    url: url.optional(),
    basicAuth: basicAuth.nullable().optional(),
    eventTypes: eventTypes.nullable().optional(),
    description: description.nullable().optional(),
  }),
  disable: z.strictObject({ action: z.literal('disable'), id }),
  enable: z.strictObject({ action: z.literal('enable'), id }),
  delete: z.strictObject({ action: z.literal('delete'), id }),
};
type Action = keyof typeof actions;
const actionNames = Object.keys(actions) as Action[];

/** A subscription as shown to support: secrets masked. */
export interface SubscriptionView {
  id: string;
  url: string;
  basicAuth?: { username: string; password: string };
  eventTypes?: string[];
  description?: string;
  status: SubscriptionStatus;
  disabledReason?: string;
  createdAt: string;
  updatedAt: string;
}

export type SubscriptionsResponse = { subscription: SubscriptionView } | { subscriptions: SubscriptionView[] };

export interface SubscriptionDeps {
  repository: SubscriptionRepository;
  clock: Clock;
  log: Log;
  rules: TargetRules;
  newId?: () => string;
}

export async function handleSubscriptionAction(deps: SubscriptionDeps, input: unknown): Promise<SubscriptionsResponse> {
  const action = actionOf(input);
  const now = deps.clock.now().toISOString();
  switch (action) {
    case 'create': {
      const req = parseInput(actions.create, input, 'create request');
      const target = parseTargetUrl(req.url, deps.rules);
      if (target.basicAuth && req.basicAuth) throw new ValidationError('give Basic auth either in the url or as `basicAuth`, not both');
      const subscription: Subscription = {
        id: (deps.newId ?? newSubscriptionId)(),
        url: target.url,
        basicAuth: req.basicAuth ?? target.basicAuth,
        eventTypes: req.eventTypes,
        description: req.description,
        status: 'active',
        createdAt: now,
        updatedAt: now,
      };
      await deps.repository.create(subscription);
      deps.log.info('subscription created', { subscriptionId: subscription.id, url: redactUrl(subscription.url) });
      return { subscription: viewOf(subscription, { reveal: true }) };
    }
    case 'get': {
      const req = parseInput(actions.get, input, 'get request');
      return { subscription: viewOf(await load(deps, req.id, { includeDeleted: true })) };
    }
    case 'list': {
      const req = parseInput(actions.list, input, 'list request');
      const statuses: SubscriptionStatus[] = req.status ? [req.status] : ['active', 'disabled'];
      const lists = await Promise.all(statuses.map((s) => deps.repository.listByStatus(s)));
      const all = lists.flat().sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      return { subscriptions: all.map((s) => viewOf(s)) };
    }
    case 'update': {
      const req = parseInput(actions.update, input, 'update request');
      const changes = Object.keys(req).filter((k) => k !== 'action' && k !== 'id');
      if (changes.length === 0) throw new ValidationError('update request changes nothing: give at least one of `url`, `basicAuth`, `eventTypes`, `description`');
      const current = await load(deps, req.id);
      const next: Subscription = { ...current, updatedAt: now };
      if (req.url !== undefined) {
        const target = parseTargetUrl(req.url, deps.rules);
        // `basicAuth: null` (remove) next to userinfo (set) is as contradictory as two sets of credentials.
        if (target.basicAuth && req.basicAuth !== undefined) throw new ValidationError('give Basic auth either in the url or as `basicAuth`, not both');
        next.url = target.url;
        if (target.basicAuth) next.basicAuth = target.basicAuth;
      }
      if (req.basicAuth !== undefined) next.basicAuth = req.basicAuth ?? undefined;
      if (req.eventTypes !== undefined) next.eventTypes = req.eventTypes ?? undefined;
      if (req.description !== undefined) next.description = req.description ?? undefined;
      await deps.repository.put(next, current.updatedAt);
      deps.log.info('subscription updated', { subscriptionId: next.id, fields: changes });
      return { subscription: viewOf(next) };
    }
    case 'disable':
    case 'enable':
    case 'delete': {
      const req = parseInput(actions[action], input, `${action} request`);
      const current = await load(deps, req.id);
      const next: Subscription = { ...current, updatedAt: now };
      if (action === 'enable') {
        next.status = 'active';
        delete next.disabledReason;
      } else if (action === 'disable') {
        next.status = 'disabled';
        next.disabledReason = 'manual';
      } else {
        next.status = 'deleted';
        delete next.disabledReason;
      }
      await deps.repository.put(next, current.updatedAt);
      deps.log.info(`subscription ${action}d`, { subscriptionId: next.id });
      return { subscription: viewOf(next) };
    }
  }
}

function actionOf(input: unknown): Action {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ValidationError('subscriptions request must be a JSON object');
  const action = (input as { action?: unknown }).action;
  if (action === undefined) throw new ValidationError(`action: is required, one of ${actionNames.join(', ')}`);
  if (typeof action !== 'string' || !actionNames.includes(action as Action)) {
    throw new ValidationError(`action: must be one of ${actionNames.join(', ')}`);
  }
  return action as Action;
}

async function load(deps: SubscriptionDeps, id: string, options: { includeDeleted?: boolean } = {}): Promise<Subscription> {
  const subscription = await deps.repository.get(id);
  if (!subscription || (subscription.status === 'deleted' && !options.includeDeleted)) {
    throw new NotFoundError(`id: no subscription ${id}`);
  }
  return subscription;
}

export function viewOf(subscription: Subscription, options: { reveal?: boolean } = {}): SubscriptionView {
  const reveal = options.reveal === true;
  const view: SubscriptionView = {
    id: subscription.id,
    url: reveal ? subscription.url : redactUrl(subscription.url),
    status: subscription.status,
    createdAt: subscription.createdAt,
    updatedAt: subscription.updatedAt,
  };
  if (subscription.basicAuth) view.basicAuth = maskAuth(subscription.basicAuth, reveal);
  if (subscription.eventTypes) view.eventTypes = subscription.eventTypes;
  if (subscription.description !== undefined) view.description = subscription.description;
  if (subscription.disabledReason) view.disabledReason = subscription.disabledReason;
  return view;
}

function maskAuth(auth: BasicAuth, reveal: boolean): BasicAuth {
  if (reveal) return { ...auth };
  // Without a password the username is the credential (`https://TOKEN@host/`): mask it too.
  return { username: auth.password === '' ? MASK : auth.username, password: MASK };
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** `sub_` + 20 random base32 characters (100 bits). */
export function newSubscriptionId(): string {
  const bytes = randomBytes(20);
  let out = 'sub_';
  for (const byte of bytes) out += BASE32[byte & 31];
  return out;
}
