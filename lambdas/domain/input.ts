// Console and CLI input is validated with zod; every problem becomes one ValidationError whose
// message names the field, so the Lambda console shows exactly what to fix.
import * as z from 'zod';
import { isSubscriptionId } from './delivery-id';
import { ValidationError } from './errors';
import { deliveryStatuses } from './types';

export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError(`${what} must be a JSON object`);
  }
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ValidationError(`invalid ${what}: ${describeIssues(parsed.error.issues)}`);
}

export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys')
        return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `\`${k}\``).join(', ')}`;
      const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(input)';
      // A record key that fails its own schema: its message says why, the record's message does not.
      const message = issue.code === 'invalid_key' ? issue.issues.map((inner) => inner.message).join(', ') : issue.message;
      return `${field}: ${message}`;
    })
    .join('; ');
}

/** A delivery status, as a filter. */
export const deliveryStatus = z.enum(deliveryStatuses, { message: `must be one of ${deliveryStatuses.join(', ')}` });

/** A subscription id (`sub_` + 20 base32 characters), wherever a request names one. */
export const subscriptionId = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
  .refine(isSubscriptionId, 'must be a subscription id like sub_abcdefghijklmnopqrst');

export const isoDateTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time like 2026-11-01T00:00:00Z' });
