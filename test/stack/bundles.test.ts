// The functions as Lambda runs them: the bundles `cdk synth` stages (minified, SDK inside, undici
// loaded file by file and two of its files left out: lib/functions.ts,
// lambdas/adapters/http/undici-core.ts). The only bundled synth of the suite (the other stack tests
// skip bundling), shared by every test here. The sender's bundle is required by a fresh Node process
// and invoked with a wake-up, delivering over real sockets. Every other test runs the TypeScript
// sources; this one shows that what is deployed still delivers.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import * as path from 'node:path';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubscriptionView } from '../../lambdas/domain/subscriptions';
import { KMSClient } from '@aws-sdk/client-kms';
import { EnvelopeSecretBox } from '../../lambdas/adapters/crypto/envelope-secret-box';
import { KmsDataKeys } from '../../lambdas/adapters/crypto/kms-data-keys';
import { startFakeKms, type FakeKms } from '../support/fake-kms';
import { sqsEvent, startHarness, wakeupEvent, type Harness } from '../support/harness';
import { closedPort, startReceiver, type Receiver } from '../support/receiver';
import { sampleEvents } from '../support/samples';
import { UNDICI_FILES_NEVER_LOADED } from '../../lib/functions';
import { bundleDir, functionIds, removeAssembly, synth, type Synthesized } from './synth';
import { localCredentials } from '../../local/local-aws';

/** Each function's minified bundle, AWS SDK inside, at most this large. */
const BUNDLE_TARGET_BYTES = 800 * 1024;

interface BundleRun {
  result?: SQSBatchResponse;
  error?: string;
  stdout: string;
  stderr: string;
}

/**
 * Requires the bundle in a new Node process with `env` only (as Lambda does: no tsx, no vitest, no
 * node_modules next to it) and calls its handler once with `event`.
 */
function runBundle(file: string, event: SQSEvent, env: Record<string, string>): Promise<BundleRun> {
  const script = `
    const { handler } = require(${JSON.stringify(file)});
    const context = { functionName: 'sender', awsRequestId: 'bundle-test', getRemainingTimeInMillis: () => 60000 };
    // Exit once the answer is out: the Agent's keep-alive socket would hold the process for seconds.
    handler(JSON.parse(process.env.TEST_EVENT), context).then(
      (result) => process.send({ result }, () => process.exit(0)),
      (error) => process.send({ error: String(error && error.stack || error) }, () => process.exit(1)),
    );`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], {
      env: { PATH: process.env.PATH ?? '', ...env, TEST_EVENT: JSON.stringify(event) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let stdout = '';
    let stderr = '';
    let message: Pick<BundleRun, 'result' | 'error'> | undefined;
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('message', (m: Pick<BundleRun, 'result' | 'error'>) => (message = m));
    child.on('error', reject);
    child.on('close', () => resolve({ ...message, stdout, stderr }));
  });
}

let s: Synthesized;

beforeAll(() => {
  s = synth({}, { validate: false });
}, 120_000);
afterAll(() => removeAssembly(s));

describe('every function bundle', () => {
  it.each(functionIds)('%s is bundled by esbuild with the AWS SDK inside and a source map', (id) => {
    const bundle = bundleDir(s, id);
    const code = readFileSync(path.join(bundle, 'index.js'), 'utf8');
    // Nothing is loaded from outside the bundle but Node's own modules: the SDK runs at the tested
    // version, not the one the Lambda runtime ships. The CRT signer is an optional require (SigV4a
    // only, inside a try) that the SDK falls back from; none of our clients needs it. The undici
    // files left out are required only on paths the sender never takes, and the SDK's nested clients
    // only by credential sources Lambda never uses (lib/functions.ts).
    // `node:` names count as built in even where this Node lacks them (node:sqlite is Node 22+).
    const builtin = (name: string) => name.startsWith('node:') || isBuiltin(name);
    const nestedClient = (name: string) => name.startsWith('@aws-sdk/nested-clients/');
    const leftOut = new Set<string>(['@aws-sdk/signature-v4-crt', ...UNDICI_FILES_NEVER_LOADED]);
    const required = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    expect(required.filter((name) => !builtin(name) && !leftOut.has(name) && !nestedClient(name))).toEqual([]);
    expect(code).toContain('sourceMappingURL=index.js.map');
    expect(existsSync(path.join(bundle, 'index.js.map'))).toBe(true);
  });
});

describe('the synthesized sender bundle', () => {
  let bundleFile: string;
  let h: Harness;
  let receiver: Receiver;
  let kms: FakeKms;

  beforeAll(async () => {
    bundleFile = path.join(bundleDir(s, 'sender'), 'index.js');
    kms = await startFakeKms();
    // The subscription is sealed as the subscriptions function seals it on AWS: under a KMS key.
    const kmsClient = new KMSClient({
      endpoint: kms.url,
      region: 'eu-central-1',
      credentials: localCredentials(),
    });
    const secretBox = new EnvelopeSecretBox(new KmsDataKeys({ kms: kmsClient, keyId: kms.keyArn }));
    [h, receiver] = await Promise.all([startHarness({ SECRETS_KEY_ARN: kms.keyArn }, { secretBox }), startReceiver()]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([receiver?.close(), h?.close(), kms?.close()]);
  });

  it('stays within 800 KB', () => {
    expect(statSync(bundleFile).size).toBeLessThanOrEqual(BUNDLE_TARGET_BYTES);
  });

  it('POSTs a stored event, signed, to a host name resolved through the target guard, and records it delivered', async () => {
    const sample = sampleEvents().find((e) => e.type === 'donation')!;
    // localhost, not 127.0.0.1: a host name goes through the guard's lookup in undici's connector.
    const { subscription } = (await h.subscriptions({
      action: 'create',
      url: `http://localhost:${receiver.port}/hook?secret=s3cr3t-bundle`,
    })) as {
      subscription: SubscriptionView;
    };
    expect((await h.ingest(sqsEvent([sample.body]))).batchItemFailures).toEqual([]);
    const deliveryId = `${sample.id}.${subscription.id}`;
    expect(h.queued()).toContainEqual({ deliveryId, attempt: 1 });

    // The stored data is the harness's dynalite; the other AWS endpoints are a closed local port, so
    // an unexpected call fails the invocation instead of leaving the machine.
    const nowhere = `http://127.0.0.1:${await closedPort()}`;
    const run = await runBundle(bundleFile, wakeupEvent([{ deliveryId, attempt: 1 }]), {
      ...(h.env as Record<string, string>),
      AWS_REGION: 'eu-central-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: h.dynamo.endpoint,
      AWS_ENDPOINT_URL_SQS: nowhere,
      AWS_ENDPOINT_URL_SCHEDULER: nowhere,
      AWS_ENDPOINT_URL_SNS: nowhere,
      // The bundle opens the subscription's sealed secrets with kms:Decrypt, as in Lambda.
      AWS_ENDPOINT_URL_KMS: kms.url,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_SERVICE_NAME: 'crm-webhooks',
    });

    expect(run.error, run.stderr).toBeUndefined();
    expect(run.result).toEqual({ batchItemFailures: [] });
    expect(receiver.requests).toHaveLength(1);
    const req = receiver.requests[0];
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/hook?secret=s3cr3t-bundle');
    expect(req.headers.host).toBe(`localhost:${receiver.port}`);
    expect(req.body.equals(Buffer.from(sample.body, 'utf8'))).toBe(true);
    expect(req.headers['webhook-id']).toBe(deliveryId);
    const signed = {
      'webhook-id': deliveryId,
      'webhook-timestamp': req.headers['webhook-timestamp'],
      'webhook-signature': req.headers['webhook-signature'],
    };
    expect(new StandardWebhook(subscription.signingSecrets![0].secret).verify(sample.body, signed)).toEqual(JSON.parse(sample.body));

    expect(await h.deliveries.get(deliveryId)).toMatchObject({ status: 'delivered', attemptCount: 1 });
    expect(await h.deliveries.listAttempts(deliveryId)).toEqual([
      expect.objectContaining({ number: 1, outcome: 'delivered', statusCode: 200 }),
    ]);
    // The function's own output (Powertools EMF metrics and logs, on stdout) counted it, without the URL secret.
    const emf = run.stdout
      .split('\n')
      .filter((line) => line.startsWith('{"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(emf).toEqual([expect.objectContaining({ DeliveriesDelivered: 1, AttemptsDelivered: 1 })]);
    expect(run.stdout).not.toContain('s3cr3t-bundle');
    // The data key the subscriptions side made is unwrapped by the bundle's own KMS client.
    expect(kms.calls).toEqual(['GenerateDataKey', 'Decrypt']);
  });
});
