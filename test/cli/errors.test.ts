// What the CLI does with bad input and an unreachable service: exit status 1 and one line on stderr,
// never a stack trace. No runtime is needed for any of these. In process, but for an unknown command,
// a refused prompt and --help, which run the binary itself: its exit status, stderr and stdout.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closedPort } from '../support/receiver';
import { sampleEventsDir } from '../support/samples';
import { oneErrorLine, runCli, spawnCli } from './cli-process';

describe.concurrent('crm-webhooks errors', () => {
  it('unknown command', async () => {
    const run = await spawnCli(['subscriptions', 'lst']);
    expect(run.code).toBe(1);
    expect(oneErrorLine(run)).toBe("crm-webhooks: unknown command 'lst' (Did you mean list?)");
  });

  it('missing required option', async () => {
    const run = await runCli(['subscriptions', 'create', '--description', 'no url']);
    expect(run.code).toBe(1);
    expect(oneErrorLine(run)).toBe("crm-webhooks: required option '--url <url>' not specified");
  });

  it('bad option values, before anything is sent', async () => {
    const [limit, status, header] = await Promise.all([
      runCli(['deliveries', 'list', '--event', '179', '--limit', 'many']),
      runCli(['resend', '--delivery', '179.sub_aaaaaaaaaaaaaaaaaaaa', '--status', 'lost']),
      runCli(['subscriptions', 'create', '--url', 'https://example.com/hook', '--header', 'no colon']),
    ]);
    expect(oneErrorLine(limit)).toBe("crm-webhooks: option '--limit <n>' argument 'many' is invalid. must be a positive integer.");
    expect(oneErrorLine(status)).toMatch(
      /^crm-webhooks: option '--status <status>' argument 'lost' is invalid\. Allowed choices are pending, delivered, failed, paused\.$/,
    );
    expect(oneErrorLine(header)).toBe(
      'crm-webhooks: option \'--header <header>\' is invalid (value not shown: it may hold a secret). must be "Name: value".',
    );
    expect([limit.code, status.code, header.code]).toEqual([1, 1, 1]);
  });

  it('never repeats a rejected value that may hold a secret', async () => {
    const [auth, header] = await Promise.all([
      runCli(['subscriptions', 'create', '--url', 'https://example.com/hook', '--basic-auth', 'pa55w0rd-without-user']),
      runCli(['subscriptions', 'update', 'sub_aaaaaaaaaaaaaaaaaaaa', '--header', 'X-Api-Key=k3y-s3cr3t']),
    ]);
    expect([auth.code, header.code]).toEqual([1, 1]);
    expect(oneErrorLine(auth)).toBe(
      'crm-webhooks: option \'--basic-auth <user:password>\' is invalid (value not shown: it may hold a secret). must be "user:password".',
    );
    expect(auth.stderr + auth.stdout).not.toContain('pa55w0rd');
    expect(oneErrorLine(header)).toMatch(/^crm-webhooks: option '--header <header>' is invalid/);
    expect(header.stderr + header.stdout).not.toContain('k3y-s3cr3t');
  });

  it('selectors that do not fit together', async () => {
    const [list, resend, both] = await Promise.all([
      runCli(['deliveries', 'list', '--subscription', 'sub_aaaaaaaaaaaaaaaaaaaa']),
      runCli(['resend', '--delivery', '179.sub_aaaaaaaaaaaaaaaaaaaa', '--event', '179']),
      runCli(['--endpoint', 'http://127.0.0.1:4000', '--stack', 'CrmWebhooks', 'subscriptions', 'list']),
    ]);
    expect(oneErrorLine(list)).toBe(
      'crm-webhooks: deliveries list needs --event ID, or --subscription ID --from T --to T (missing --from, --to)',
    );
    expect(oneErrorLine(resend)).toBe('crm-webhooks: --delivery names the deliveries itself: drop --event');
    expect(oneErrorLine(both)).toBe("crm-webhooks: option '--endpoint <url>' cannot be used with option '--stack <name>'");
    expect([list.code, resend.code, both.code]).toEqual([1, 1, 1]);
  });

  it('unreachable endpoint', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const run = await runCli(['--endpoint', endpoint, 'subscriptions', 'list']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(oneErrorLine(run)).toBe(`crm-webhooks: cannot reach ${endpoint} (connection refused)`);
  });

  it('publish names a file it cannot read, and sends nothing', async () => {
    // The endpoint is closed: had the CLI tried to send the readable file first, it would say so.
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const run = await runCli(['--endpoint', endpoint, 'publish', join(sampleEventsDir, 'donation.json'), 'missing-event.json']);
    expect(run.code).toBe(1);
    expect(oneErrorLine(run)).toBe('crm-webhooks: cannot read missing-event.json: no such file');
  });

  it('publish names the files that are not events, with the reason, and sends nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-publish-'));
    try {
      writeFileSync(join(dir, 'broken.json'), '{"type": "donation",');
      writeFileSync(join(dir, 'untyped.json'), '{"id": 7}');
      const endpoint = `http://127.0.0.1:${await closedPort()}`;
      const run = await runCli([
        '--endpoint',
        endpoint,
        'publish',
        join(sampleEventsDir, 'donation.json'),
        join(dir, 'broken.json'),
        join(dir, 'untyped.json'),
      ]);
      expect(run.code).toBe(1);
      expect(oneErrorLine(run)).toBe(
        `crm-webhooks: nothing published: 2 of 3 not an event: ${join(dir, 'broken.json')} (body is not valid JSON); ` +
          `${join(dir, 'untyped.json')} (event has no \`type\`: it must be a non-empty string)`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('dead-letters redrive and purge need message ids or --all, and purge --all asks (or --yes)', async () => {
    const [neither, both, unasked] = await Promise.all([
      runCli(['dead-letters', 'redrive', '--queue', 'events']),
      runCli(['dead-letters', 'purge', '--queue', 'events', 'm1', '--all']),
      spawnCli(['dead-letters', 'purge', '--queue', 'deliveries', '--all']),
    ]);
    expect(oneErrorLine(neither)).toBe('crm-webhooks: dead-letters redrive needs message ids or --all (not both)');
    expect(oneErrorLine(both)).toBe('crm-webhooks: dead-letters purge needs message ids or --all (not both)');
    expect(oneErrorLine(unasked)).toBe(
      'crm-webhooks: not purging a whole dead-letter queue without confirmation: add --yes, or run it in a terminal',
    );
    const noQueue = await runCli(['dead-letters', 'list']);
    expect(oneErrorLine(noQueue)).toBe("crm-webhooks: required option '--queue <queue>' not specified");
  });

  it('--help on a command prints its usage with the global options, exit status 0', async () => {
    const run = await spawnCli(['deliveries', 'show', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: crm-webhooks deliveries show \[options\] <delivery-id>/);
    expect(run.stdout).toContain('--bodies');
    expect(run.stdout).toMatch(/Global Options:[\s\S]*--endpoint <url>[\s\S]*--stack <name>[\s\S]*--region <region>[\s\S]*--json/);
  });
});
