// One Lambda Invoke with a console payload. A function error (X-Amz-Function-Error, which the SDK
// returns as FunctionError) becomes a CliError carrying the function's own message, which names the
// field at fault; the error type and trace Lambda adds are not for support's eyes.
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { CliError, oneLine } from './errors';

/** `where` names the endpoint or region, for the message of an answer that is not this service's. */
export async function invokeFunction(
  lambda: LambdaClient,
  functionName: string,
  payload: unknown,
  where = 'the endpoint',
): Promise<unknown> {
  const result = await lambda.send(
    new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(payload), 'utf8') }),
  );
  const text = result.Payload ? Buffer.from(result.Payload).toString('utf8') : '';
  if (result.FunctionError) throw new CliError(functionErrorMessage(functionName, text));
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CliError(
      `${where} answered the ${functionName} function's call with something that is not JSON: ` +
        'is it the crm-webhooks local runtime (npm start) or a stack (--stack NAME)?',
    );
  }
}

function functionErrorMessage(functionName: string, text: string): string {
  let body: { errorMessage?: unknown; errorType?: unknown } = {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null) body = parsed;
  } catch {
    // Not Lambda's JSON error shape: fall through to a message naming the function.
  }
  if (typeof body.errorMessage === 'string' && body.errorMessage.trim() !== '') return oneLine(body.errorMessage);
  if (typeof body.errorType === 'string') return `function ${functionName} failed (${body.errorType})`;
  return `function ${functionName} failed`;
}
