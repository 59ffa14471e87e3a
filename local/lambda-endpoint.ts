// Lambda's Invoke API for the console-invoked functions (subscriptions, resend, deliveries), so
// @aws-sdk/client-lambda's InvokeCommand, the AWS CLI and curl work with the same payloads as the
// console. Results and function errors come back the way Lambda reports them.
import { LOCAL_ACCOUNT, LOCAL_REGION } from './config';
import { jsonReply, type HttpReply } from './http-reply';

export const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

export type FunctionHandler = (input: unknown) => Promise<unknown>;

export function functionArnOf(name: string): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${name}`;
}

export interface InvokeRequest {
  /** The path segment, still URL-encoded (an ARN arrives with encoded colons). */
  functionName: string;
  body: string;
  /** x-amz-invocation-type: RequestResponse (default) or DryRun. */
  invocationType?: string;
}

export type LambdaEndpoint = (request: InvokeRequest) => Promise<HttpReply>;

export function createLambdaEndpoint(functions: Record<string, FunctionHandler>): LambdaEndpoint {
  /** A bare name, or the function's ARN (printed at start), optionally with the $LATEST qualifier. */
  const resolve = (raw: string): FunctionHandler | undefined => {
    let name = raw.endsWith(':$LATEST') ? raw.slice(0, -':$LATEST'.length) : raw;
    const arnPrefix = functionArnOf('');
    if (name.startsWith(arnPrefix)) name = name.slice(arnPrefix.length);
    return Object.hasOwn(functions, name) ? functions[name] : undefined;
  };

  return async ({ functionName, body, invocationType }) => {
    let name: string;
    try {
      name = decodeURIComponent(functionName);
    } catch {
      name = functionName;
    }
    const handler = resolve(name);
    if (!handler) {
      return userError(
        404,
        'ResourceNotFoundException',
        `Function not found: ${functionArnOf(name)} (local functions: ${Object.keys(functions).join(', ')})`,
      );
    }
    const type = invocationType ?? 'RequestResponse';
    if (type !== 'RequestResponse' && type !== 'DryRun') {
      return userError(
        400,
        'InvalidParameterValueException',
        `Invocation type ${type} is not supported locally; use RequestResponse or DryRun.`,
      );
    }
    let payload: unknown;
    try {
      // The console and the CLI may send no payload at all; Lambda passes an empty object then.
      payload = body.trim() === '' ? {} : JSON.parse(body);
    } catch (error) {
      return userError(400, 'InvalidRequestContentException', `Could not parse request body into json: ${(error as Error).message}`);
    }
    if (type === 'DryRun') return { status: 204, headers: {}, body: '' };
    const headers = { 'x-amz-executed-version': '$LATEST' };
    try {
      const result = await handler(payload);
      return { status: 200, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(result ?? null) };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      return jsonReply(200, { errorType: e.name, errorMessage: e.message, trace: [] }, { ...headers, 'x-amz-function-error': 'Unhandled' });
    }
  };
}

/** An error of the Invoke API itself (not of the function), as Lambda shapes it. */
function userError(status: number, type: string, message: string): HttpReply {
  return jsonReply(status, { Type: 'User', message }, { 'x-amzn-errortype': type });
}
