// The console payloads of the subscriptions function, one schema per action. Messages name the field.
import * as z from 'zod';
import { subscriptionId } from './input';
import { maxConcurrencyInput, rateLimitInput } from './subscription-limits';
import { testRequest } from './subscription-test-event';

const id = subscriptionId;
const url = z.string({ message: 'must be a string' });
const basicAuth = z.strictObject(
  {
    username: z
      .string({ message: 'must be a string' })
      .min(1, 'must not be empty')
      .max(1024, 'must be at most 1024 characters')
      .refine((u) => !u.includes(':'), 'must not contain ":"'),
    password: z.string({ message: 'must be a string' }).min(1, 'must not be empty').max(1024, 'must be at most 1024 characters'),
  },
  { message: 'must be an object {"username": "...", "password": "..."}' },
);
const eventTypes = z
  .array(z.string().min(1, 'must not be empty').max(200), { message: 'must be an array of event type names' })
  .min(1, 'must name at least one type (leave the field out to receive every event)')
  .max(100);
const description = z.string({ message: 'must be a string' }).max(500, 'must be at most 500 characters');

/**
 * Headers the service sets itself, or that would break the request if a subscription set them: the
 * hop-by-hop headers, and those that describe how the body is framed or encoded (the body is sent
 * as stored, never compressed or ranged).
 */
const RESERVED_HEADERS = new Set([
  'authorization',
  'connection',
  'content-encoding',
  'content-length',
  'content-range',
  'content-type',
  'expect',
  'host',
  'http2-settings',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'webhook-id',
  'webhook-signature',
  'webhook-timestamp',
]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const headerName = z
  .string()
  .max(100, 'header names must be at most 100 characters')
  .regex(TOKEN, 'header names must be HTTP tokens (letters, digits, -)')
  .refine((name) => !RESERVED_HEADERS.has(name.toLowerCase()), 'is set by the service or frames the body, and cannot be set here');
const headerValue = z
  .string({ message: 'header values must be strings' })
  .min(1, 'header values must not be empty')
  .max(1024, 'header values must be at most 1024 characters')
  .regex(/^[\x20-\x7e\t]+$/, 'header values must be printable ASCII (no line breaks)');
/**
 * Read by own entries and rebuilt with Object.fromEntries: a parser that assigns keys one by one
 * would drop `__proto__` (the assignment sets the prototype) and let `constructor` shadow Object's.
 */
const headers = z
  .custom<Record<string, unknown>>(
    (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
    'must be an object of header names to values',
  )
  .superRefine((h, ctx) => {
    const entries = Object.entries(h);
    if (entries.length > 20) ctx.addIssue({ code: 'custom', message: 'at most 20 headers' });
    if (new Set(entries.map(([k]) => k.toLowerCase())).size !== entries.length)
      ctx.addIssue({ code: 'custom', message: 'header names must differ in more than case' });
    for (const [name, value] of entries) {
      for (const issue of [...(headerName.safeParse(name).error?.issues ?? []), ...(headerValue.safeParse(value).error?.issues ?? [])]) {
        ctx.addIssue({ code: 'custom', message: issue.message, path: [name] });
      }
    }
  })
  .transform((h) => Object.fromEntries(Object.entries(h)) as Record<string, string>);
const signingSecret = z.string({ message: 'must be a string' });

export const subscriptionActions = {
  create: z.strictObject({
    action: z.literal('create'),
    url,
    basicAuth: basicAuth.optional(),
    eventTypes: eventTypes.optional(),
    headers: headers.optional(),
    signingSecret: signingSecret.optional(),
    description: description.optional(),
    maxConcurrency: maxConcurrencyInput.optional(),
    rateLimit: rateLimitInput.optional(),
  }),
  get: z.strictObject({ action: z.literal('get'), id }),
  list: z.strictObject({ action: z.literal('list'), status: z.enum(['active', 'disabled', 'deleted']).optional() }),
  update: z.strictObject({
    action: z.literal('update'),
    id,
    url: url.optional(),
    basicAuth: basicAuth.nullable().optional(),
    eventTypes: eventTypes.nullable().optional(),
    headers: headers.nullable().optional(),
    description: description.nullable().optional(),
    // null: back to the default concurrency, or no rate limit.
    maxConcurrency: maxConcurrencyInput.nullable().optional(),
    rateLimit: rateLimitInput.nullable().optional(),
  }),
  disable: z.strictObject({ action: z.literal('disable'), id }),
  enable: z.strictObject({ action: z.literal('enable'), id }),
  delete: z.strictObject({ action: z.literal('delete'), id }),
  'rotate-secret': z.strictObject({ action: z.literal('rotate-secret'), id, signingSecret: signingSecret.optional() }),
  test: testRequest,
};

export type SubscriptionAction = keyof typeof subscriptionActions;
export const subscriptionActionNames = Object.keys(subscriptionActions) as SubscriptionAction[];
