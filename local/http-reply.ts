// What an endpoint answers, kept apart from node:http so each endpoint is a plain function of its
// request and can be tested without sockets as well as through them.
export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function jsonReply(status: number, value: unknown, headers: Record<string, string> = {}): HttpReply {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) };
}
