// The body of a deliveries-queue message (and of a schedule's input). A malformed one is an error:
// the message is retried and ends in the deliveries DLQ, where the alarm shows it.
import * as z from 'zod';
import { describeIssues } from './input';
import { ValidationError } from './errors';
import type { DeliveryWakeup } from './types';

const wakeupSchema = z.object({
  deliveryId: z.string().min(1),
  attempt: z.number().int().min(1),
});

export function parseWakeup(body: string): DeliveryWakeup {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new ValidationError('wake-up message is not JSON');
  }
  const parsed = wakeupSchema.safeParse(value);
  if (!parsed.success) throw new ValidationError(`wake-up message is invalid: ${describeIssues(parsed.error.issues)}`);
  return parsed.data;
}

export function formatWakeup(wakeup: DeliveryWakeup): string {
  return JSON.stringify({ deliveryId: wakeup.deliveryId, attempt: wakeup.attempt });
}
