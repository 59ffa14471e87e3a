// Who may knock on the local runtime's doors: programs on this machine (the SDKs, the AWS CLI, the
// support CLI, curl), never a web page open in the developer's browser. A page may send requests to
// 127.0.0.1 (CSRF: a form or a fetch creating a subscription to itself) or, through DNS rebinding,
// under a name of its own that resolves here and so read the answers. Three checks shut both out:
// - Host must name this runtime (127.0.0.1, localhost or [::1] with its port): a rebound name fails.
// - A browser marks its requests (Origin on every cross-origin or POST request, Sec-Fetch-Site on
//   all of them in current browsers); programs send neither. A request typed in the address bar
//   (Sec-Fetch-Site: none, no Origin) is let through: the user asked for it.
// - A body must come with a content type the SDKs and CLIs send, none of which a page can send
//   without a CORS preflight, which this server never answers.
import type { IncomingHttpHeaders } from 'node:http';
import { jsonReply, type HttpReply } from './http-reply';

export type Door = 'sqs' | 'lambda' | 'events' | 'read';

/** Media types each door takes; `null`: no content-type header at all (the AWS CLI's invoke sends none). */
const ACCEPTED: Record<Door, ReadonlyArray<string | null>> = {
  sqs: ['application/x-amz-json-1.0'],
  lambda: ['application/octet-stream', 'application/json', null],
  events: ['application/json'],
  read: [],
};

export function hostsOf(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
}

/** Why the request is refused, as the reply; undefined when it may go on to its endpoint. */
export function refusal(headers: IncomingHttpHeaders, port: number, door: Door): HttpReply | undefined {
  const host = (headers.host ?? '').toLowerCase();
  if (!hostsOf(port).includes(host)) {
    return jsonReply(421, { message: `Host ${JSON.stringify(headers.host ?? '')} is not this runtime: use ${hostsOf(port).join(', ')}` });
  }
  const site = headers['sec-fetch-site'];
  if (headers.origin !== undefined || (site !== undefined && site !== 'none')) {
    return jsonReply(403, { message: 'requests from web pages are refused: the local runtime answers programs on this machine only' });
  }
  if (door === 'read') return undefined;
  const type = mediaTypeOf(headers['content-type']);
  if (!ACCEPTED[door].includes(type)) {
    const wanted = ACCEPTED[door].map((t) => t ?? '(none)').join(' or ');
    return jsonReply(415, { message: `content-type ${type ?? '(none)'} is not accepted here: send ${wanted}` });
  }
  return undefined;
}

function mediaTypeOf(header: string | undefined): string | null {
  if (header === undefined) return null;
  return header.split(';')[0].trim().toLowerCase();
}
