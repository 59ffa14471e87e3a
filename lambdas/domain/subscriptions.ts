// Support's subscription operations, one `action` per call (DESIGN.md, "Support operations").
// Secrets are shown once, in the response that sets them (create, rotate-secret); every other
// response redacts them.
import { randomBytes } from 'node:crypto';
import { parseInput } from './input';
import type { Log } from './log';
import { NotFoundError, ValidationError, type Clock, type SubscriptionRepository } from './ports';
import { redactUrl } from './redaction';
import { newSigningSecret, rotateSecrets, validateSigningSecret } from './signing';
import { subscriptionActionNames as actionNames, subscriptionActions as actions, type SubscriptionAction } from './subscription-input';
import { viewOf, type SubscriptionView } from './subscription-view';
import { parseTargetUrl, type TargetRules } from './target';
import type { Subscription, SubscriptionStatus } from './types';

export { viewOf, type SubscriptionView };

export type SubscriptionsResponse =
  | { subscription: SubscriptionView; signingSecret?: string }
  | { subscriptions: SubscriptionView[] };

export interface SubscriptionDeps {
  repository: SubscriptionRepository;
  clock: Clock;
  log: Log;
  rules: TargetRules;
  /** How long a rotated-out signing secret keeps signing (default 24 h). */
  secretGraceMs: number;
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
      if (changes.length === 0) {
        throw new ValidationError('update request changes nothing: give at least one of `url`, `basicAuth`, `eventTypes`, `headers`, `description`, `maxConcurrency`, `rateLimit`');
      }
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
      if (req.headers !== undefined) next.headers = req.headers ?? undefined;
      if (req.description !== undefined) next.description = req.description ?? undefined;
      if (req.maxConcurrency !== undefined) next.maxConcurrency = req.maxConcurrency ?? undefined;
      if (req.rateLimit !== undefined) next.rateLimit = req.rateLimit ?? undefined;
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
        delete next.failingSince;
        delete next.runDeliveredAt;
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
    case 'rotate-secret': {
      const req = parseInput(actions['rotate-secret'], input, 'rotate-secret request');
      const current = await load(deps, req.id);
      const secret = req.signingSecret === undefined ? newSigningSecret() : validateSigningSecret(req.signingSecret);
      const next: Subscription = {
        ...current,
        signingSecrets: rotateSecrets(current.signingSecrets, secret, deps.clock.now(), deps.secretGraceMs),
        updatedAt: now,
      };
      await deps.repository.put(next, current.updatedAt);
      deps.log.info('subscription signing secret rotated', { subscriptionId: next.id, graceMs: deps.secretGraceMs });
      // The new secret is shown this once; the view masks every secret.
      return { subscription: viewOf(next), signingSecret: secret };
    }
  }
}

function actionOf(input: unknown): SubscriptionAction {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ValidationError('subscriptions request must be a JSON object');
  const action = (input as { action?: unknown }).action;
  if (action === undefined) throw new ValidationError(`action: is required, one of ${actionNames.join(', ')}`);
  if (typeof action !== 'string' || !actionNames.includes(action as SubscriptionAction)) {
    throw new ValidationError(`action: must be one of ${actionNames.join(', ')}`);
  }
  return action as SubscriptionAction;
}

async function load(deps: SubscriptionDeps, id: string, options: { includeDeleted?: boolean } = {}): Promise<Subscription> {
  const subscription = await deps.repository.get(id);
  if (!subscription || (subscription.status === 'deleted' && !options.includeDeleted)) {
    throw new NotFoundError(`id: no subscription ${id}`);
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
