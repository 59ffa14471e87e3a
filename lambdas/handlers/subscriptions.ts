// Invoked from the console or the CLI with one `action` per call (DESIGN.md, "Support operations").
import { handleSubscriptionAction, type SubscriptionDeps, type SubscriptionsResponse } from '../domain/subscriptions';
import { withCallerErrors } from './errors';

export function createSubscriptionsHandler(deps: SubscriptionDeps) {
  return withCallerErrors(deps.log, 'subscriptions', (input: unknown): Promise<SubscriptionsResponse> => handleSubscriptionAction(deps, input));
}
