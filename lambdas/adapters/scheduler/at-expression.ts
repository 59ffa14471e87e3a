// EventBridge Scheduler's one-time expression has whole seconds and no zone suffix (the zone is a
// separate parameter). Rounding up keeps the wakeup from firing before the attempt is due: an early
// wakeup would find the delivery not yet due and be wasted.

/** `at(yyyy-mm-ddThh:mm:ss)` in UTC, rounded up to the next whole second. */
export function atExpression(time: Date): string {
  const ms = time.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('cannot schedule at an invalid date');
  const rounded = new Date(Math.ceil(ms / 1000) * 1000);
  return `at(${rounded.toISOString().slice(0, 19)})`;
}
