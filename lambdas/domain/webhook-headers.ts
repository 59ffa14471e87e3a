// The headers of every webhook request (DESIGN.md, "HTTP request"). `webhook-id` is the delivery id,
// the same on every attempt, so receivers can drop repeats.
export interface HeaderInput {
  deliveryId: string;
  sentAt: Date;
  userAgent: string;
  authorization?: string;
}

export function webhookHeaders(input: HeaderInput): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': input.userAgent,
    'webhook-id': input.deliveryId,
    'webhook-timestamp': String(Math.floor(input.sentAt.getTime() / 1000)),
  };
  if (input.authorization) headers.authorization = input.authorization;
  return headers;
}
