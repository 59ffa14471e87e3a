// `npm start` killed with SIGKILL while a subscription's circuit is open and its deliveries wait
// behind it, then started again on the same data folder: the circuit is where it was, every waiting
// delivery still has its next wake-up, and once the receiver is back every event arrives.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueUrlCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLog } from '../../lambdas/domain/log';
import type { Delivery } from '../../lambdas/domain/types';
import { startRuntime, type Runtime } from '../../local/runtime';
import { startRuntimeProcess } from '../support/runtime-process';
import { startReceiver } from '../support/receiver';
import { testEvent, until } from './support';

const env = {
  // Two failures in a row open the circuit, however short the run.
  CIRCUIT_FAILURE_THRESHOLD: '2',
  CIRCUIT_MIN_RUN_MS: '0',
  CIRCUIT_FIRST_PROBE_MS: '1500',
  CIRCUIT_MAX_PROBE_MS: '3000',
  // Retry waits of 0.3, 0.6, 1.2 s ...: a horizon of minutes, far beyond this test.
  RETRY_BASE_DELAY_MS: '300',
  RETRY_JITTER: '0',
  MAX_ATTEMPTS: '10',
  ATTEMPT_TIMEOUT_MS: '800',
  SUBSCRIPTION_CACHE_MS: '0',
  QUEUE_VISIBILITY_TIMEOUT_MS: '500',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
};

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('e2e: SIGKILL while a circuit is open', () => {
  it('loses nothing: after a start on the same data folder every waiting delivery arrives', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'e2e-circuit-kill-'));
    let up = false;
    const receiver = await startReceiver(() => ({ status: up ? 200 : 503 }));
    let runtime: Runtime | undefined;
    cleanups.push(async () => {
      await runtime?.stop();
      await receiver.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    const child = await startRuntimeProcess(dataDir, env);
    cleanups.push(() => child.dispose());
    const { sqs } = child;
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'events' }));
    const { subscription } = await child.invoke<{ subscription: { id: string } }>('subscriptions', {
      action: 'create',
      url: `${receiver.url}/hook`,
    });
    const bodies = [1, 2, 3, 4, 5, 6].map((n) => testEvent(`kill-${n}`, 'donation'));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: bodies.map((MessageBody, i) => ({ Id: `e${i}`, MessageBody })) }));

    const circuit = async () =>
      (
        await child.invoke<{ subscription: { circuit: { state: string; waiting: number } } }>('subscriptions', {
          action: 'get',
          id: subscription.id,
        })
      ).subscription.circuit;
    await until(
      async () => {
        const c = await circuit();
        return c.state !== 'closed' && c.waiting > 0;
      },
      30_000,
      'the circuit to open with deliveries waiting behind it',
    );

    child.process.kill('SIGKILL');
    await new Promise((done) => child.process.once('exit', done));
    up = true;

    runtime = await startRuntime({ env: { ...env, PORT: '0', DATA_DIR: dataDir }, log: silentLog });
    const started = runtime;
    const deliveryIds = bodies.map((body) => `${(JSON.parse(body) as { id: string }).id}.${subscription.id}`);
    let deliveries: Delivery[] = [];
    await until(
      async () => {
        deliveries = await Promise.all(deliveryIds.map(async (id) => (await started.deliveries.get(id))!));
        return deliveries.every((d) => d?.status === 'delivered');
      },
      // A probe cut off by the kill holds the circuit for its lease (attempt timeout + 30 s) first.
      90_000,
      'every delivery to arrive after the restart',
    ).catch(async (error: Error) => {
      const states = deliveries.map(
        (d) => `${d.deliveryId} ${d.status} ${d.attemptCount} next ${d.nextAttemptAt} lease ${d.leaseUntil} deferred ${d.deferredSince}`,
      );
      throw new Error(
        `${error.message}; now ${new Date().toISOString()}; ${JSON.stringify(started.health().queues)}; ${states.join('; ')}`,
      );
    });
    const delivered = new Set(receiver.requests.map((r) => r.headers['webhook-id']));
    expect([...delivered].sort()).toEqual([...deliveryIds].sort());
    // Each attempt in the log was a request; deferrals behind the circuit used none.
    for (const d of deliveries) {
      const attempts = await started.deliveries.listAttempts(d.deliveryId);
      expect(attempts.length, d.deliveryId).toBe(receiver.requests.filter((r) => r.headers['webhook-id'] === d.deliveryId).length);
    }
  }, 180_000);
});
