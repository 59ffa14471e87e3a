// How times, durations and statuses read on the pages.

export function when(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d{3}Z$/, ' UTC');
}

export function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `2026-11-30T10:00` (a datetime-local value, read as UTC) to ISO 8601. */
export function isoFromLocalInput(value: string): string {
  return value.length === 16 ? `${value}:00Z` : value.endsWith('Z') ? value : `${value}Z`;
}

/** ISO 8601 to a datetime-local value in UTC. */
export function localInputFromIso(date: Date): string {
  return date.toISOString().slice(0, 16);
}
