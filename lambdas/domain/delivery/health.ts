// Health: what the attempt says about its subscription (a failing run, 410 Gone); see subscription-health.ts.
import { recordSubscriptionHealth } from '../subscription-health';
import type { Concluded, SendDeps } from './steps';

export async function recordHealth(deps: SendDeps, concluded: Concluded): Promise<void> {
  const { subscription, attempt } = concluded;
  const healthDeps = { ...deps, forget: (id: string) => deps.subscriptions.forget(id) };
  await recordSubscriptionHealth(healthDeps, subscription, attempt.outcome, attempt.statusCode);
}
