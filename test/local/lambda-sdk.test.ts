import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLog } from '../../lambdas/domain/log';
import { functionArnOf } from '../../local/lambda-endpoint';
import { startRuntime, type Runtime } from '../../local/runtime';
import { localCredentials } from '../../local/local-aws';

describe('Lambda Invoke endpoint, driven by the real LambdaClient', () => {
  let dir: string;
  let runtime: Runtime;
  let lambda: LambdaClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'local-lambda-sdk-'));
    runtime = await startRuntime({ env: { PORT: '0', DATA_DIR: dir }, log: silentLog });
    lambda = new LambdaClient({ endpoint: runtime.url, region: 'local', credentials: localCredentials() });
  });
  afterAll(async () => {
    lambda.destroy();
    await runtime.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const invoke = async (FunctionName: string, payload: unknown) => {
    const result = await lambda.send(new InvokeCommand({ FunctionName, Payload: new TextEncoder().encode(JSON.stringify(payload)) }));
    return { ...result, json: JSON.parse(Buffer.from(result.Payload ?? new Uint8Array()).toString('utf8')) as Record<string, unknown> };
  };

  it('creates and lists subscriptions with the console payloads', async () => {
    const created = await invoke('subscriptions', { action: 'create', url: 'http://127.0.0.1:4001/hook?secret=s3cr3t' });
    expect(created.StatusCode).toBe(200);
    expect(created.FunctionError).toBeUndefined();
    const subscription = created.json.subscription as { id: string };

    const listed = await invoke(functionArnOf('subscriptions'), { action: 'list' });
    expect(listed.FunctionError).toBeUndefined();
    expect(JSON.stringify(listed.json)).toContain(subscription.id);
    expect(JSON.stringify(listed.json)).not.toContain('s3cr3t');
  });

  it('reports a bad payload as a function error naming the field', async () => {
    const result = await invoke('subscriptions', { action: 'create', url: 'not a url' });
    expect(result.StatusCode).toBe(200);
    expect(result.FunctionError).toBe('Unhandled');
    expect(result.json).toMatchObject({ errorType: 'ValidationError', errorMessage: expect.stringMatching(/url/) });
  });

  it('answers a resend of nothing matching with zero counts', async () => {
    const result = await invoke('resend', { deliveryIds: ['179.sub_aaaaaaaaaaaaaaaaaaaa'] });
    expect(result.FunctionError).toBeUndefined();
    expect(result.json).toMatchObject({ matched: 0, resent: 0 });
  });

  it('throws ResourceNotFoundException for an unknown function', async () => {
    await expect(invoke('ingest', {})).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});
