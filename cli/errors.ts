// Every failure ends as one line on stderr: support reads it, scripts check the exit status. This
// turns what the SDKs, Node and our own checks throw into that line, never into a stack trace.

/** A failure whose message is already fit to show as it is. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'name lookup failed',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed',
  UND_ERR_CONNECT_TIMEOUT: 'timed out',
};

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: unknown;
  errors?: unknown;
  $metadata?: unknown;
  $response?: unknown;
}

/** What a caller of the CLI can do when the endpoint answers, but not as this service does. */
const NOT_THIS_SERVICE = 'is it the crm-webhooks local runtime (npm start) or a stack (--stack NAME)?';

/**
 * One line for `error`. `where` names what was being talked to (the endpoint URL, or the AWS
 * region), for the message of an unreachable service.
 */
export function describeError(error: unknown, where: string): string {
  if (error instanceof CliError) return oneLine(error.message);
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as ErrorLike;
  const networkCode = findNetworkCode(e);
  if (networkCode) return `cannot reach ${where} (${NETWORK_REASONS[networkCode]})`;
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(error);
  const status = httpStatusOf(e);
  // The body ended early: the SDK reports the cut as a deserialization error whose message is "aborted".
  if (/^aborted\b/.test(message)) return `cannot reach ${where} (connection reset while reading the answer)`;
  if (/Deserialization error/.test(message))
    return `${where} answered${status ? ` HTTP ${status}` : ''} with something that is not JSON: ${NOT_THIS_SERVICE}`;
  // The SDK's name for an error answer it cannot read (no error type, no message): name Unknown, message UnknownError.
  if (name === 'UnknownError' || message === 'UnknownError')
    return `${where} answered${status ? ` HTTP ${status}` : ''} without saying why: ${NOT_THIS_SERVICE}`;
  if (name === 'TimeoutError' || name === 'RequestTimeout') return `cannot reach ${where} (timed out)`;
  if (/region is missing/i.test(message)) return 'no AWS region: give --region R or set AWS_REGION';
  if (name === 'CredentialsProviderError') return `no AWS credentials: ${oneLine(message)}`;
  // An AWS API error (it carries $metadata): its type says as much as its message.
  if (e.$metadata !== undefined && name !== '' && name !== 'Error' && !message.startsWith(name)) return oneLine(`${name}: ${message}`);
  return oneLine(message);
}

function httpStatusOf(e: ErrorLike): number | undefined {
  const metadata = e.$metadata as { httpStatusCode?: unknown } | undefined;
  const response = e.$response as { statusCode?: unknown } | undefined;
  const status = metadata?.httpStatusCode ?? response?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Node puts the code on the error, on its cause, or (happy eyeballs) on each of an AggregateError's errors. */
function findNetworkCode(e: ErrorLike, depth = 0): string | undefined {
  if (depth > 3) return undefined;
  if (typeof e.code === 'string' && e.code in NETWORK_REASONS) return e.code;
  const nested: unknown[] = [e.cause, ...(Array.isArray(e.errors) ? (e.errors as unknown[]) : [])];
  for (const inner of nested) {
    if (typeof inner === 'object' && inner !== null) {
      const code = findNetworkCode(inner, depth + 1);
      if (code) return code;
    }
  }
  return undefined;
}

export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}
