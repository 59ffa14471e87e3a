// Invoked from the console or the CLI with one `action` per call (DESIGN.md, "Support operations").
import { handleSubscriptionAction, type SubscriptionDeps, type SubscriptionsResponse } from '../domain/subscriptions';

// Its caller errors are mapped by the entry point's middleware (wiring/lambda-handler.ts).
export function createSubscriptionsHandler(deps: SubscriptionDeps) {
  return (input: unknown): Promise<SubscriptionsResponse> => handleSubscriptionAction(deps, input);
}
