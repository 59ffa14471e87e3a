// Every function's wiring in one place, for the local runtime and the tests, which run them all.
// The Lambda entries import their own module from ./functions instead, to keep bundles small.
export { USER_AGENT, type Env, type Infrastructure } from './common';
export { buildIngestDeps, ingestFunction } from './functions/ingest';
export { buildSendDeps, senderFunction } from './functions/sender';
export {
  buildDeliveryQueryDeps,
  buildResendDeps,
  buildSubscriptionDeps,
  buildSweepDeps,
  deliveriesFunction,
  resendFunction,
  subscriptionsFunction,
  sweeperFunction,
} from './functions/support';
export { buildDeadLetterDeps, deadLettersFunction } from './functions/dead-letters';
