// `npm start` as a child process, stopped while retries are pending (Ctrl-C, then SIGKILL) with
// events still waiting in the events queue, and started again on the same data folder: every
// delivery ends `delivered` or, where the retry policy says so, `failed`; none is lost or doubled.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueUrlCommand, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLog } from '../../lambdas/domain/log';
import type { Delivery } from '../../lambdas/domain/types';
import { startRuntime, type Health, type Runtime } from '../../local/runtime';
import { startRuntimeProcess } from '../support/runtime-process';
import { startReceiver, type Receiver } from '../support/receiver';
import { testEvent, until } from './support';

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const MAX_ATTEMPTS = 3;
const env = {
  // Long enough that the first retries are still waiting when the runtime is stopped, even on a
  // loaded machine; no doubling (nothing is timed here), so that the last retries after the restart
  // come soon.
  RETRY_BASE_DELAY_MS: '6000',
  RETRY_MULTIPLIER: '1',
  RETRY_JITTER: '0',
  MAX_ATTEMPTS: String(MAX_ATTEMPTS),
  ATTEMPT_TIMEOUT_MS: '800',
  SUBSCRIPTION_CACHE_MS: '0',
  QUEUE_VISIBILITY_TIMEOUT_MS: '500',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  // Counted here: every retry of the receiver that is down. Its circuit would defer them instead
  // (what circuit-restart.test.ts checks across a SIGKILL), so it stays closed.
  CIRCUIT_FAILURE_THRESHOLD: '1000',
};

const cleanups: Array<() => Promise<void> | void> = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function health(url: string): Promise<Health> {
  return (await (await fetch(`${url}/health`)).json()) as Health;
}

/** Requests per webhook-id at a receiver. */
function countByWebhookId(receiver: Receiver): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of receiver.requests) counts.set(r.headers['webhook-id'], (counts.get(r.headers['webhook-id']) ?? 0) + 1);
  return counts;
}

async function scenario(signal: 'SIGINT' | 'SIGKILL'): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), `e2e-restart-${signal}-`));
  // `recovers` fails the first attempt of every delivery; `down` fails them all (MAX_ATTEMPTS, then failed).
  const recovers = await startReceiver((req, n) => ({
    status: recovers.requests.slice(0, n - 1).some((r) => r.headers['webhook-id'] === req.headers['webhook-id']) ? 200 : 500,
  }));
  const down = await startReceiver(() => ({ status: 500 }));
  let runtime: Runtime | undefined;
  cleanups.push(async () => {
    await runtime?.stop();
    await Promise.all([recovers.close(), down.close()]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const child = await startRuntimeProcess(dataDir, env, 20_000);
  cleanups.push(() => child.dispose());
  const { sqs } = child;
  const { QueueUrl: queueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'events' }));
  const subscriptionIds: string[] = [];
  for (const receiver of [recovers, down]) {
    const created = await child.invoke('subscriptions', { action: 'create', url: `${receiver.url}/hook` });
    subscriptionIds.push((created.subscription as { id: string }).id);
  }

  const early = [1, 2, 3, 4].map((n) => testEvent(`${signal}-${n}`, 'donation'));
  await sqs.send(
    new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: early.map((MessageBody, i) => ({ Id: `e${i}`, MessageBody })) }),
  );
  await Promise.all([recovers.waitForRequests(early.length), down.waitForRequests(early.length)]);
  // Every first attempt has failed and been recorded, every retry waits in the deliveries queue.
  await until(
    async () => {
      // Either lane: a retry of an attempt that took over a second (a loaded machine) takes the slow lane.
      const h = await health(child.url);
      const lanes = [h.queues.deliveries, h.queues['deliveries-slow']];
      return sum(lanes.map((q) => q.delayed)) === 2 * early.length && sum(lanes.map((q) => q.inFlight + q.visible)) === 0;
    },
    // Within the retry wait: after it, the retries would go out before the stop.
    5_000,
    'the retries to be queued',
  );
  // Accepted, but still waiting in the events queue when the runtime stops.
  const late = [5, 6].map((n) => testEvent(`${signal}-${n}`, 'donation'));
  for (const body of late) await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, DelaySeconds: 1 }));
  const before = await health(child.url);
  expect(before.queues.events.delayed).toBe(late.length);
  expect(recovers.requests).toHaveLength(early.length);

  child.process.kill(signal);
  const exit = await child.exited;
  if (signal === 'SIGINT') {
    expect(exit.code).toBe(0);
    expect(child.output()).toContain('crm-webhooks: stopped');
  } else {
    expect(exit.signal).toBe('SIGKILL');
  }
  // Stopped before any retry was due: each delivery had made its first attempt only.
  expect(recovers.requests).toHaveLength(early.length);
  expect(down.requests).toHaveLength(early.length);

  // The retries queued before the stop keep the due times they were given. The waits after the
  // restart only order the remaining attempts (nothing is timed here): short, so the test does not
  // sit out two more long waits for the events that were still in the events queue.
  const afterRestart = { ...env, RETRY_BASE_DELAY_MS: '300', PORT: '0', DATA_DIR: dataDir };
  runtime = await startRuntime({ env: afterRestart, log: silentLog });
  const eventIds = [...early, ...late].map((body) => (JSON.parse(body) as { id: string }).id);
  const deliveryIds = eventIds.flatMap((eventId) => subscriptionIds.map((subscriptionId) => `${eventId}.${subscriptionId}`));
  let deliveries: Delivery[] = [];
  const started = runtime;
  await until(
    async () => {
      deliveries = await Promise.all(deliveryIds.map(async (id) => (await started.deliveries.get(id))!));
      return deliveries.every((d) => d !== undefined && (d.status === 'delivered' || d.status === 'failed'));
    },
    30_000,
    'every delivery to settle after the restart',
  );

  const [recoversId, downId] = subscriptionIds;
  for (const d of deliveries) {
    if (d.subscriptionId === recoversId) expect(d, d.deliveryId).toMatchObject({ status: 'delivered', attemptCount: 2 });
    else expect(d, d.deliveryId).toMatchObject({ status: 'failed', attemptCount: MAX_ATTEMPTS });
    const attempts = await runtime.deliveries.listAttempts(d.deliveryId);
    expect(attempts.map((a) => a.number)).toEqual(Array.from({ length: d.attemptCount }, (_, i) => i + 1));
  }
  // None lost, none doubled: one request per attempt, per webhook-id.
  expect(Object.fromEntries(countByWebhookId(recovers))).toEqual(Object.fromEntries(eventIds.map((e) => [`${e}.${recoversId}`, 2])));
  expect(Object.fromEntries(countByWebhookId(down))).toEqual(Object.fromEntries(eventIds.map((e) => [`${e}.${downId}`, MAX_ATTEMPTS])));
  await until(
    () => {
      const { events, deliveries: queue, 'deliveries-slow': slowLane } = started.health().queues;
      return sum([events, queue, slowLane].map((q) => q.visible + q.delayed + q.inFlight)) === 0;
    },
    2_000,
    'the queues to drain',
  );
}

// The two stops run side by side (own data folders, receivers and ports), which halves the wall time.
describe('e2e: restart of `npm start` while retries are pending', () => {
  it.concurrent(
    'loses and doubles nothing after Ctrl-C (SIGINT) and a start on the same data folder',
    async () => {
      await scenario('SIGINT');
    },
    60_000,
  );

  it.concurrent(
    'loses and doubles nothing after SIGKILL and a start on the same data folder',
    async () => {
      await scenario('SIGKILL');
    },
    60_000,
  );
});
