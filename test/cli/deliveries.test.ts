// publish, deliveries list/show and resend in process against the local runtime and a real
// receiver that fails the first three requests.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResendResult } from '../../lambdas/domain/resend';
import type { Attempt, Delivery } from '../../lambdas/domain/types';
import { startReceiver, type Receiver } from '../support/receiver';
import { sampleEvents, sampleEventsDir } from '../support/samples';
import { cliAt, oneErrorLine, startLocalService, until, type LocalService } from './cli-process';

const FAR_PAST = '2000-01-01T00:00:00Z';
const FAR_FUTURE = '2100-01-01T00:00:00Z';

describe('crm-webhooks publish, deliveries and resend (local runtime)', () => {
  let service: LocalService;
  let receiver: Receiver;
  let cli: ReturnType<typeof cliAt>;
  let subscriptionId: string;
  const samples = sampleEvents();
  const donation = samples.find((s) => s.type === 'donation')!;
  const others = samples.filter((s) => s !== donation);
  const window = () => ['--subscription', subscriptionId, '--from', FAR_PAST, '--to', FAR_FUTURE];

  const settled = (deliveryIds: string[]) =>
    until(
      async () => (await Promise.all(deliveryIds.map((id) => service.runtime.deliveries.get(id)))).every((d) => d?.status === 'delivered'),
      10_000,
      `deliveries ${deliveryIds.join(', ')} to be delivered`,
    );

  beforeAll(async () => {
    // The first three requests fail, with a body a terminal must not interpret (an escape sequence).
    receiver = await startReceiver((_req, n) => (n <= 3 ? { status: 500, body: `boom \u001b[2J #${n}` } : { status: 200, body: 'ok' }));
    service = await startLocalService({ RETRY_JITTER: '0' });
    cli = cliAt(service.runtime.url);
    const created = await cli.json<{ subscription: { id: string } }>(
      'subscriptions',
      'create',
      '--url',
      `${receiver.url}/hook?secret=s3cr3t`,
    );
    subscriptionId = created.subscription.id;
  });
  afterAll(async () => {
    await service.stop();
    await receiver.close();
  });

  it('publishes a sample event file byte for byte and prints its message id', async () => {
    const published = await cli.ok('publish', join(sampleEventsDir, donation.file));
    expect(published).toMatch(new RegExp(`│ .*${donation.file} +│ ${donation.id} +│ [0-9a-f-]{36} │ new +│`));
    const [first] = await receiver.waitForRequests(1);
    expect(first.body.equals(Buffer.from(donation.body, 'utf8'))).toBe(true);
    await settled([`${donation.id}.${subscriptionId}`]);
  });

  it('shows a delivery with three failed attempts and a success as a readable attempt table', async () => {
    const deliveryId = `${donation.id}.${subscriptionId}`;
    const [shown, withBodies, json] = await Promise.all([
      cli.ok('deliveries', 'show', deliveryId),
      cli.ok('deliveries', 'show', deliveryId, '--bodies'),
      cli.json<{ delivery: Delivery; attempts: Attempt[] }>('deliveries', 'show', deliveryId),
    ]);
    expect(shown).toMatch(new RegExp(`│ delivery +│ ${deliveryId.replace('.', '\\.')} +│`));
    expect(shown).toMatch(/│ status +│ delivered +│/);
    expect(shown).toMatch(/│ attempts +│ 4 +│/);
    expect(shown).toContain('Attempts (4):');
    expect(shown).toMatch(/│ # │ trigger │ started +│ duration │ outcome +│ status │ error +│/);
    const iso = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';
    expect(shown).toMatch(new RegExp(`│ 1 │ initial │ ${iso} │ \\d+ ms +│ http_status │ 500 +│ HTTP 500 +│`));
    expect(shown).toMatch(new RegExp(`│ 2 │ retry +│ ${iso} │ \\d+ ms +│ http_status │ 500 +│ HTTP 500 +│`));
    expect(shown).toMatch(new RegExp(`│ 3 │ retry +│ ${iso} │ \\d+ ms +│ http_status │ 500 +│ HTTP 500 +│`));
    expect(shown).toMatch(new RegExp(`│ 4 │ retry +│ ${iso} │ \\d+ ms +│ delivered +│ 200 +│ +│`));
    expect(shown).not.toContain('boom');
    expect(shown).not.toContain('s3cr3t');

    // Response bodies only on request, with the escape character shown, not sent to the terminal.
    expect(withBodies).toContain('--- attempt #1 response body (500) ---\nboom \\x1b[2J #1');
    expect(withBodies).toContain('--- attempt #4 response body (200) ---\nok');
    expect(withBodies).not.toContain('\u001b');

    expect(json.delivery).toMatchObject({ deliveryId, status: 'delivered', attemptCount: 4 });
    expect(json.attempts.map((a) => [a.number, a.outcome, a.statusCode])).toEqual([
      [1, 'http_status', 500],
      [2, 'http_status', 500],
      [3, 'http_status', 500],
      [4, 'delivered', 200],
    ]);
  });

  it('lists deliveries by event and by subscription window, as a table and as JSON, up to --limit', async () => {
    await cli.ok('publish', ...others.map((s) => join(sampleEventsDir, s.file)));
    await settled(samples.map((s) => `${s.id}.${subscriptionId}`));

    const [byEvent, inWindow, limited] = await Promise.all([
      cli.ok('deliveries', 'list', '--event', donation.id),
      cli.json<{ deliveries: Delivery[]; cursor?: string }>('deliveries', 'list', ...window()),
      cli.ok('deliveries', 'list', ...window(), '--limit', '2'),
    ]);
    expect(byEvent).toMatch(new RegExp(`│ ${donation.id}\\.${subscriptionId} │ donation │ delivered │ 4 +│ delivered 200 │`));
    expect(byEvent).toContain('1 delivery');
    expect(inWindow.deliveries.map((d) => d.eventId).sort()).toEqual(samples.map((s) => s.id).sort());
    expect(inWindow.cursor).toBeUndefined();
    expect(limited).toContain('2 deliveries shown; more match: raise --limit or narrow the window');
  });

  it('resends: a dry run first, refuses above the threshold without a TTY, resends with --yes', async () => {
    const before = receiver.requests.length;
    const dryRun = await cli.ok('resend', ...window(), '--dry-run');
    expect(dryRun).toContain(`Dry run: would resend ${samples.length} of ${samples.length} matched deliveries.`);
    expect(dryRun).toContain(`  ${donation.id}.${subscriptionId}`);

    const refused = await cli.run('resend', ...window(), '--confirm-above', '3');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(oneErrorLine(refused)).toBe(
      `crm-webhooks: not resending ${samples.length} deliveries without confirmation (more than 3): add --yes, or run it in a terminal`,
    );
    expect(receiver.requests.length).toBe(before);

    const resent = await cli.ok('resend', ...window(), '--confirm-above', '3', '--yes');
    expect(resent).toBe(`Resent ${samples.length} of ${samples.length} matched deliveries.\n`);
    await receiver.waitForRequests(before + samples.length);

    // Below the threshold no confirmation is needed; --json gives the function's result shape.
    const one = await cli.json<ResendResult>('resend', '--event', donation.id, 'no-such-event', '--subscription', subscriptionId);
    expect(one).toMatchObject({
      dryRun: false,
      matched: 1,
      resent: 1,
      deliveryIds: [`${donation.id}.${subscriptionId}`],
      notFound: ['no-such-event'],
    });
    await receiver.waitForRequests(before + samples.length + 1);
  });

  it('reports a bad selector of the resend function as one line naming the field', async () => {
    const run = await cli.run('resend', '--subscription', subscriptionId, '--from', 'yesterday', '--to', FAR_FUTURE);
    expect(run.code).toBe(1);
    expect(oneErrorLine(run)).toMatch(/^crm-webhooks: invalid resend request: from: must be an ISO 8601 date-time/);
  });
});
