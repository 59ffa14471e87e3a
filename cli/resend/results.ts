// Several resend calls (a dry run split by the function's per-call limit, or the resend in chunks)
// add up to one result of the function's shape, so `--json` output looks like a single call's.
import type { ResendResult } from '../../lambdas/domain/resend';

export function emptyResult(dryRun: boolean): ResendResult {
  return { dryRun, matched: 0, resent: 0, deliveryIds: [], skipped: [], notFound: [] };
}

export function addResult(total: ResendResult, part: ResendResult): ResendResult {
  return {
    dryRun: total.dryRun,
    matched: total.matched + part.matched,
    resent: total.resent + part.resent,
    deliveryIds: [...total.deliveryIds, ...part.deliveryIds],
    skipped: [...total.skipped, ...part.skipped],
    notFound: [...total.notFound, ...part.notFound],
    ...(total.notToSubscription || part.notToSubscription
      ? { notToSubscription: [...(total.notToSubscription ?? []), ...(part.notToSubscription ?? [])] }
      : {}),
  };
}
