// The event types the CRM publishes (its documented samples) and the service's own test event. A
// subscription may name any type, since the CRM may add one before this list learns of it; a type
// outside the list is accepted with a warning, because a misspelt one (`donaton`) never matches.

/** The type of the event `subscriptions test` sends: receivers can recognise and ignore it. */
export const TEST_EVENT_TYPE = 'webhook.test';

export const KNOWN_EVENT_TYPES: readonly string[] = [
  'form_submission',
  'form_submission_confirmed',
  'payment_status_change',
  'donation',
  'contact_update',
  'payment_success',
  TEST_EVENT_TYPE,
];

/** One warning per type the CRM is not known to publish, naming the closest known spelling if any. */
export function unknownEventTypeWarnings(types: readonly string[] | null | undefined): string[] {
  if (!types) return [];
  return types
    .filter((type) => !KNOWN_EVENT_TYPES.includes(type))
    .map((type) => {
      const near = closest(type);
      const hint = near ? `did you mean ${near}? ` : '';
      return (
        `eventTypes: ${JSON.stringify(type)} is not a type the CRM is known to publish ` +
        `(${hint}known: ${KNOWN_EVENT_TYPES.join(', ')}); events of other types never match it`
      );
    });
}

function closest(type: string): string | undefined {
  let best: { type: string; distance: number } | undefined;
  for (const known of KNOWN_EVENT_TYPES) {
    const distance = editDistance(type.toLowerCase(), known);
    if (distance <= 2 && (!best || distance < best.distance)) best = { type: known, distance };
  }
  return best?.type;
}

/** Levenshtein distance, for the few short names above. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
