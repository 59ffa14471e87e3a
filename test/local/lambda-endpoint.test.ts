import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLog } from '../../lambdas/domain/log';
import { ValidationError } from '../../lambdas/domain/errors';
import { startHttpServer, type HttpServer } from '../../local/http-server';
import { createLambdaEndpoint, functionArnOf } from '../../local/lambda-endpoint';
import { createSqsEndpoint } from '../../local/sqs-endpoint';

describe('Lambda Invoke endpoint, over HTTP', () => {
  let http: HttpServer;
  const received: unknown[] = [];

  beforeAll(async () => {
    http = await startHttpServer(0, silentLog);
    http.setRoutes({
      sqs: createSqsEndpoint({ queues: {}, baseUrl: () => http.url }),
      lambda: createLambdaEndpoint({
        subscriptions: async (input) => {
          received.push(input);
          if ((input as { action?: string }).action === 'explode') throw new ValidationError('action: must be one of create, get, list');
          return { echo: input };
        },
        resend: async () => undefined,
      }),
      publish: () => ({ refused: 'unused' }),
      health: () => ({ status: 'ok' }),
      notifications: () => [],
    });
  });
  afterAll(async () => {
    await http.close();
  });

  const invoke = (name: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${http.url}/2015-03-31/functions/${encodeURIComponent(name)}/invocations`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });

  it("answers 200 with the function's JSON result", async () => {
    const response = await invoke('subscriptions', '{"action":"list"}');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-amz-function-error')).toBeNull();
    expect(response.headers.get('x-amz-executed-version')).toBe('$LATEST');
    expect(await response.json()).toEqual({ echo: { action: 'list' } });
  });

  it('accepts the function ARN printed at start, and answers null for a function returning nothing', async () => {
    const byArn = await invoke(functionArnOf('subscriptions'), '{"action":"get","id":"x"}');
    expect(await byArn.json()).toEqual({ echo: { action: 'get', id: 'x' } });
    const resend = await invoke('resend', '{"deliveryIds":["a"]}');
    expect(resend.status).toBe(200);
    expect(await resend.text()).toBe('null');
  });

  it('reports a thrown error as Lambda does: 200, X-Amz-Function-Error Unhandled, errorType and errorMessage', async () => {
    const response = await invoke('subscriptions', '{"action":"explode"}');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(await response.json()).toEqual({
      errorType: 'ValidationError',
      errorMessage: 'action: must be one of create, get, list',
      trace: [],
    });
  });

  it('answers 404 ResourceNotFoundException for an unknown function', async () => {
    const response = await invoke('ingest', '{}');
    expect(response.status).toBe(404);
    expect(response.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
    const body = (await response.json()) as { Type: string; message: string };
    expect(body.Type).toBe('User');
    expect(body.message).toMatch(/^Function not found: arn:aws:lambda:local:000000000000:function:ingest/);
  });

  it('answers 400 for a payload that is not JSON, without calling the function', async () => {
    const before = received.length;
    const response = await invoke('subscriptions', '{"action":');
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('InvalidRequestContentException');
    expect(((await response.json()) as { message: string }).message).toMatch(/Could not parse request body into json/);
    expect(received.length).toBe(before);
  });

  it('passes an empty object for an empty payload, and validates without running on DryRun', async () => {
    received.length = 0;
    expect(await (await invoke('subscriptions', '')).json()).toEqual({ echo: {} });
    const dryRun = await invoke('subscriptions', '{"action":"list"}', { 'x-amz-invocation-type': 'DryRun' });
    expect(dryRun.status).toBe(204);
    expect(received).toEqual([{}]);
    const event = await invoke('subscriptions', '{}', { 'x-amz-invocation-type': 'Event' });
    expect(event.status).toBe(400);
  });

  it('answers 404 with the list of endpoints for any other path', async () => {
    const response = await fetch(`${http.url}/2015-03-31/functions`, { method: 'GET' });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { message: string }).message).toMatch(/POST \/events/);
  });
});
