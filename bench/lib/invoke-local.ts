// The local runtime's Lambda Invoke door as the benchmarks call it: one plain request, and a
// function error (or a refused request) thrown with what came back.
export async function invokeLocal<R = Record<string, unknown>>(baseUrl: string, functionName: string, payload: unknown): Promise<R> {
  const response = await fetch(`${baseUrl}/2015-03-31/functions/${functionName}/invocations`, {
    method: 'POST',
    // The runtime's doors take the content types the SDK and the CLI send, and no other.
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  const text = await response.text();
  if (!response.ok || response.headers.get('x-amz-function-error')) {
    throw new Error(`${functionName} failed: ${response.status} ${text}`);
  }
  return JSON.parse(text) as R;
}
