// A resend wider than one chunk (100 delivery ids per call) and a publish wider than one SQS batch
// (10 messages), in process against the local runtime.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResendResult } from '../../lambdas/domain/resend';
import { startReceiver, type Receiver } from '../support/receiver';
import { cliAt, startLocalService, until, type LocalService } from './cli-process';

const EVENTS = 120;

describe('crm-webhooks publish and resend in bulk (local runtime)', () => {
  let service: LocalService;
  let receiver: Receiver;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cli-bulk-'));
    receiver = await startReceiver(() => ({ status: 204 }));
    service = await startLocalService();
  });
  afterAll(async () => {
    await service.stop();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`publishes ${EVENTS} files in batches and resends all their deliveries in chunks, printing the totals`, async () => {
    const cli = cliAt(service.runtime.url);
    const { subscription } = await cli.json<{ subscription: { id: string } }>('subscriptions', 'create', '--url', `${receiver.url}/bulk`);
    const files = Array.from({ length: EVENTS }, (_, i) => {
      const file = join(dir, `event-${i}.json`);
      writeFileSync(file, `{"id": "bulk-${i}", "type": "contact_update"}\n`);
      return file;
    });

    const published = await cli.json<{ published: Array<{ file: string; messageId: string }> }>('publish', ...files);
    expect(published.published.map((p) => p.file)).toEqual(files);
    expect(new Set(published.published.map((p) => p.messageId)).size).toBe(EVENTS);
    await receiver.waitForRequests(EVENTS, 30_000);
    // A request is in before its outcome is recorded; the sender takes its wake-up off the queue after.
    // Empty queues: every delivery is recorded `delivered`, so the resend below skips none as in flight.
    await until(
      () => Object.values(service.runtime.health().queues).every((q) => q.visible + q.delayed + q.inFlight === 0),
      30_000,
      'every delivery to be recorded',
    );

    const window = ['--subscription', subscription.id, '--from', '2000-01-01T00:00:00Z', '--to', '2100-01-01T00:00:00Z'];
    const run = await cli.run('--json', 'resend', ...window, '--yes');
    expect(run.code).toBe(0);
    // Not a terminal: no progress bar, nothing on stderr.
    expect(run.stderr).toBe('');
    const result = JSON.parse(run.stdout) as ResendResult;
    expect(result).toMatchObject({ dryRun: false, matched: EVENTS, resent: EVENTS, skipped: [], notFound: [] });
    expect(new Set(result.deliveryIds).size).toBe(EVENTS);
    await receiver.waitForRequests(2 * EVENTS, 30_000);
  }, 60_000);
});
