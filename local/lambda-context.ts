// Invoking a function's entry point as Lambda does: a Lambda-like context per invocation (request
// id, function name, remaining time), and, since the local runtime runs several invocations of one
// function at once (as Lambda's multi-concurrency environments do), each invocation in its own
// InvokeStore scope, so the logger's per-invocation keys (request id, cold start) never mix.
import { randomUUID } from 'node:crypto';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { Context } from 'aws-lambda';
import { LOCAL_REGION } from './config';

/** Lambda's own marker of an environment that runs invocations concurrently; Powertools reads it. */
const CONCURRENT_ENVIRONMENT = 'AWS_LAMBDA_MAX_CONCURRENCY';

// Lambda sets this for an on-demand environment, and Powertools reports `cold_start` only then; it
// reads it when a logger is created, so it is set as soon as anything may invoke locally.
process.env.AWS_LAMBDA_INITIALIZATION_TYPE ??= 'on-demand';
// Set as early, for the same reason: the first to ask for the invocation store (Powertools, or the
// invoker below) decides once for the whole process whether it keeps concurrent invocations apart.
process.env[CONCURRENT_ENVIRONMENT] ??= '64';
const DEFAULT_TIMEOUT_MS = 60_000;

/** `stop`: once aborted, the invocation has no time left (the runtime is stopping), as if it timed out. */
export function lambdaContext(functionName: string, timeoutMs = DEFAULT_TIMEOUT_MS, stop?: AbortSignal): Context {
  const deadline = Date.now() + timeoutMs;
  const unsupported = () => {
    throw new Error('callback-style completion is not used by these handlers');
  };
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => (stop?.aborted ? 0 : Math.max(0, deadline - Date.now())),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

let store: Promise<InvokeStoreBase> | undefined;

function invokeStore() {
  store ??= InvokeStore.getInstanceAsync(true);
  return store;
}

/**
 * Resolves once the invocation store exists. Powertools asks for it when a metrics object is made,
 * and in a process that runs invocations concurrently it must exist by then: code that makes one
 * before its first invocation (a benchmark) waits for this first.
 */
export async function invocationStoreReady(): Promise<void> {
  await invokeStore();
}

/** `handler` as a one-argument function: each call a new invocation with its own context and scope. */
export function invoker<E, R>(
  handler: (event: E, context: Context) => Promise<R>,
  functionName: string,
  timeoutMs?: number,
  stop?: AbortSignal,
): (event: E) => Promise<R> {
  return async (event: E) => {
    const context = lambdaContext(functionName, timeoutMs, stop);
    const scope = await invokeStore();
    return scope.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: context.awsRequestId }, () => handler(event, context));
  };
}
