// The outcome of a resend (or of its dry run) for people: the totals first, then what was not resent.
import type { ResendResult } from '../../lambdas/domain/resend';
import { plural, singleLine } from './text';

const LISTED_IDS = 20;

/** At most LISTED_IDS lines: a window can match thousands, and --json has them all. */
function capped(lines: string[]): string[] {
  if (lines.length <= LISTED_IDS) return lines;
  return [...lines.slice(0, LISTED_IDS), `  … and ${lines.length - LISTED_IDS} more (--json lists them all)`];
}

function leftOut(result: ResendResult): string[] {
  const lines: string[] = [];
  if (result.skipped.length > 0) {
    lines.push(`Skipped (${result.skipped.length}):`);
    lines.push(...capped(result.skipped.map((s) => `  ${singleLine(s.deliveryId)}: ${singleLine(s.reason)}`)));
  }
  if (result.notFound.length > 0) {
    const shown = result.notFound.slice(0, LISTED_IDS).map(singleLine).join(', ');
    const more = result.notFound.length > LISTED_IDS ? `, … and ${result.notFound.length - LISTED_IDS} more` : '';
    lines.push(`Not found (${result.notFound.length}): ${shown}${more}`);
  }
  const notTo = result.notToSubscription ?? [];
  if (notTo.length > 0) {
    const shown = notTo.slice(0, LISTED_IDS).map(singleLine).join(', ');
    const more = notTo.length > LISTED_IDS ? `, … and ${notTo.length - LISTED_IDS} more` : '';
    lines.push(`No delivery to that subscription (${notTo.length}): ${shown}${more} (the event exists; it was not fanned out to it)`);
  }
  return lines;
}

export function resendText(result: ResendResult): string {
  const headline = result.dryRun
    ? `Dry run: would resend ${result.deliveryIds.length} of ${plural(result.matched, 'matched delivery', 'matched deliveries')}.`
    : result.deliveryIds.length === 0 && result.resent === 0
      ? `Nothing to resend (${plural(result.matched, 'matched delivery', 'matched deliveries')}).`
      : `Resent ${result.resent} of ${plural(result.matched, 'matched delivery', 'matched deliveries')}.`;
  const ids = result.dryRun ? capped(result.deliveryIds.map((id) => `  ${singleLine(id)}`)) : [];
  return [headline, ...ids, ...leftOut(result)].join('\n');
}
