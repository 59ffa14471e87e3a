// The resend options as one of the resend function's selectors (docs/support.md, "resend"): delivery ids,
// event ids (optionally of one subscription), or a subscription's time window (optionally a status).
import { chunk } from '../../lambdas/domain/chunk';
import { CliError } from '../errors';

export interface ResendOptions {
  delivery?: string[];
  event?: string[];
  subscription?: string;
  from?: string;
  to?: string;
  status?: string;
}

/** The function takes at most this many delivery or event ids per call. */
const MAX_IDS_PER_CALL = 1000;

const USAGE =
  'resend needs one selector: --delivery ID..., --event ID... [--subscription ID], or --subscription ID --from T --to T [--status S]';

/** The dry-run payloads that together cover the selection (id lists longer than one call allows are split). */
export function dryRunPayloads(options: ResendOptions): Array<Record<string, unknown>> {
  const given = (names: Array<keyof ResendOptions>) => names.filter((n) => options[n] !== undefined).map((n) => `--${n}`);
  if (options.delivery) {
    const extra = given(['event', 'subscription', 'from', 'to', 'status']);
    if (extra.length > 0) throw new CliError(`--delivery names the deliveries itself: drop ${extra.join(', ')}`);
    return chunk(options.delivery, MAX_IDS_PER_CALL).map((deliveryIds) => ({ deliveryIds, dryRun: true }));
  }
  if (options.event) {
    const extra = given(['from', 'to', 'status']);
    if (extra.length > 0) throw new CliError(`--event selects by event: drop ${extra.join(', ')} (only --subscription may narrow it)`);
    const narrow = options.subscription ? { subscriptionId: options.subscription } : {};
    return chunk(options.event, MAX_IDS_PER_CALL).map((eventIds) => ({ eventIds, ...narrow, dryRun: true }));
  }
  if (options.subscription === undefined && options.from === undefined && options.to === undefined) throw new CliError(USAGE);
  const missing = (['subscription', 'from', 'to'] as const).filter((k) => options[k] === undefined).map((k) => `--${k}`);
  if (missing.length > 0)
    throw new CliError(`a resend by time window needs --subscription, --from and --to (missing ${missing.join(', ')})`);
  const payload: Record<string, unknown> = { subscriptionId: options.subscription, from: options.from, to: options.to, dryRun: true };
  if (options.status) payload.status = options.status;
  return [payload];
}
