// `npm start` as a child process, killed with SIGKILL: everything it had accepted (an event not yet
// ingested, a retry waiting in the deliveries queue) is delivered after a start on the same folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { silentLog } from '../../lambdas/domain/log';
import { startRuntime, type Health, type Runtime } from '../../local/runtime';
import { closedPort, startReceiver } from '../support/receiver';
import { runtimeStarted } from '../support/runtime-process';
import { until } from '../support/wait';
import { localCredentials } from '../../local/local-aws';

const repoRoot = resolve(__dirname, '../..');

/** Starts local/main.ts in one node process (tsx as a loader, so the pid is the runtime's own). */
async function startChild(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await runtimeStarted(child, 20_000);
  return child;
}

describe('local runtime killed with SIGKILL', () => {
  it('loses nothing it accepted: a queued event and a pending retry are delivered after the next start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-kill-'));
    // The first request fails, so the first event's delivery waits for a retry when the runtime dies.
    const receiver = await startReceiver((_req, n) => ({ status: n === 1 ? 500 : 200 }));
    const port = await closedPort();
    const env = {
      PORT: String(port),
      DATA_DIR: dir,
      RETRY_BASE_DELAY_MS: '1500',
      ATTEMPT_TIMEOUT_MS: '1000',
      SUBSCRIPTION_CACHE_MS: '0',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    };
    let child: ChildProcess | undefined;
    let runtime: Runtime | undefined;
    try {
      child = await startChild(env);
      const url = `http://127.0.0.1:${port}`;
      const created = await fetch(`${url}/2015-03-31/functions/subscriptions/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'create', url: `${receiver.url}/hook` }),
      });
      expect(created.status).toBe(200);
      const first = JSON.stringify({ id: 'kill-1', type: 'donation' });
      expect((await fetch(`${url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: first })).status).toBe(
        202,
      );
      await receiver.waitForRequests(1);
      // Killed once the failed attempt is recorded, its retry queued and its wake-up acknowledged: a
      // kill during an attempt is resumed by the sweeper once the attempt's lease expires (a minute).
      await until(async () => {
        const health = (await (await fetch(`${url}/health`)).json()) as Health;
        return health.queues.deliveries.delayed === 1 && health.queues.deliveries.inFlight === 0;
      }, 3_000);
      // Accepted with a delay, so that it is certainly still waiting in the events queue at the kill.
      const sqs = new SQSClient({ endpoint: url, region: 'local', credentials: localCredentials() });
      const second = JSON.stringify({ id: 'kill-2', type: 'donation' });
      await sqs.send(new SendMessageCommand({ QueueUrl: `${url}/000000000000/events`, MessageBody: second, DelaySeconds: 1 }));
      sqs.destroy();
      const exited = new Promise((done) => child!.once('exit', done));
      child.kill('SIGKILL');
      await exited;

      runtime = await startRuntime({ env: { ...env, PORT: '0' }, log: silentLog });
      const requests = await receiver.waitForRequests(3, 10_000);
      const bodies = requests.map((r) => r.body.toString());
      expect(bodies.filter((b) => b === first)).toHaveLength(2);
      expect(bodies).toContain(second);
    } finally {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await runtime?.stop();
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('resumes an attempt that was in flight at the kill within 10 s of the restart (the old lease ended, not waited out)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-kill-inflight-'));
    // The first request is held open past the kill; the attempt's lease (5 s timeout + 30 s) would
    // keep it from going out again for half a minute.
    const receiver = await startReceiver((_req, n) => (n === 1 ? { status: 200, delayMs: 60_000 } : { status: 200 }));
    const port = await closedPort();
    const env = { PORT: String(port), DATA_DIR: dir, SUBSCRIPTION_CACHE_MS: '0', POWERTOOLS_LOG_LEVEL: 'ERROR' };
    let child: ChildProcess | undefined;
    let runtime: Runtime | undefined;
    try {
      child = await startChild(env);
      const url = `http://127.0.0.1:${port}`;
      const json = { 'content-type': 'application/json' };
      const created = await fetch(`${url}/2015-03-31/functions/subscriptions/invocations`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ action: 'create', url: `${receiver.url}/hook` }),
      });
      expect(created.status).toBe(200);
      const body = JSON.stringify({ id: 'inflight-1', type: 'donation' });
      expect((await fetch(`${url}/events`, { method: 'POST', headers: json, body })).status).toBe(202);
      await receiver.waitForRequests(1);
      const exited = new Promise((done) => child!.once('exit', done));
      child.kill('SIGKILL');
      await exited;

      const restartedAt = Date.now();
      runtime = await startRuntime({ env: { ...env, PORT: '0' }, log: silentLog });
      const requests = await receiver.waitForRequests(2, 10_000);
      expect(Date.now() - restartedAt).toBeLessThan(10_000);
      expect(requests[1].body.toString()).toBe(body);
      await until(async () => (await runtime!.deliveries.get(requests[1].headers['webhook-id']))?.status === 'delivered', 5_000);
    } finally {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await runtime?.stop();
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
