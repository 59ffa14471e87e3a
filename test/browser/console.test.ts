// The support console in a real browser (Debian's Chromium through playwright-core) against the local
// runtime and real receivers: the walk support takes through it, with a screenshot of every page
// (test-artifacts/console/, at 1280x800 and some at 390x844). Fields are found by their labels, so a
// field without one fails the test.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLog } from '../../lambdas/domain/log';
import { buildConsoleAssets } from '../../cli/console/bundle';
import { startConsoleServer, type ConsoleServer } from '../../cli/console/server';
import { createSession, type Session } from '../../cli/session';
import { startRuntime, type Runtime } from '../../local/runtime';
import { startReceiver, type Receiver } from '../support/receiver';
import { launchChromium } from './chromium';

const ARTIFACTS = resolve(__dirname, '../../test-artifacts/console');

describe('support console in Chromium', () => {
  let dataDir: string;
  let runtime: Runtime;
  let healthy: Receiver;
  let failing: Receiver;
  let session: Session;
  let server: ConsoleServer;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  const created: Record<string, string> = {};

  const shot = async (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'browser-'));
    runtime = await startRuntime({
      env: {
        PORT: '0',
        DATA_DIR: dataDir,
        RETRY_BASE_DELAY_MS: '60000',
        RETRY_JITTER: '0',
        ATTEMPT_TIMEOUT_MS: '1000',
        SUBSCRIPTION_CACHE_MS: '0',
      },
      log: silentLog,
    });
    healthy = await startReceiver();
    failing = await startReceiver(() => ({ status: 500, body: 'database unavailable' }));
    session = createSession({ endpoint: runtime.url });
    server = await startConsoleServer({ session, assets: await buildConsoleAssets() });
    browser = await launchChromium();
    page = await browser.context.newPage();
    // Under the test's own 30 s: a step that waits in vain fails naming its locator, not as a test timeout.
    page.setDefaultTimeout(15_000);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(server.loginUrl);
    await page.getByRole('heading', { name: 'Subscriptions' }).waitFor();
    expect(errors).toEqual([]);
  });

  // A failed step leaves the page as it was: its address and what it says (an error box, say) go to
  // the log, and a screenshot to the artifacts, so that a failure in CI tells where it stopped.
  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail' || !page) return;
    const text = await page
      .locator('main')
      .innerText({ timeout: 2_000 })
      .catch((error: unknown) => `(no text: ${String(error)})`);
    console.error(`after "${task.name}": ${page.url()}\n${text.slice(0, 2_000)}`);
    await shot('failed').catch(() => undefined);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    session?.close();
    await Promise.all([healthy?.close(), failing?.close()]);
    await runtime?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('trades the one-time link for a session: the link is gone from the address bar and works no more', async () => {
    expect(page.url()).toBe(`${server.url}/`);
    const again = await browser.context.newPage();
    const response = await again.goto(server.loginUrl);
    expect(response?.status()).toBe(401);
    expect(await again.textContent('body')).toContain('used up');
    await again.close();
    await shot('01-subscriptions-empty');
  });

  it('creates a subscription from the form, showing its signing secret once', async () => {
    await page.getByRole('link', { name: 'New subscription' }).click();
    await page.getByLabel('URL').fill(`${healthy.url}/hook?secret=s3cr3t`);
    await page.getByLabel('Event types (comma-separated; empty: every event)').fill('donation, webhook.test');
    await page.getByLabel('Description').fill('Donations to the ERP');
    await shot('02-subscription-new');
    // Submitted from the keyboard.
    await page.getByLabel('Description').press('Enter');
    await page.getByRole('heading', { name: 'Subscription created' }).waitFor();
    expect(await page.locator('.secret').textContent()).toMatch(/^whsec_/);
    await shot('03-subscription-created');
    const link = page.getByRole('link', { name: /Open subscription sub_/ });
    created.healthy = (await link.textContent())!.replace('Open subscription ', '');
    await link.click();
    await page.getByRole('heading', { name: `Subscription ${created.healthy}` }).waitFor();
    const settings = await page.locator('dl.settings').textContent();
    expect(settings).toContain('secret=***');
    expect(settings).not.toContain('s3cr3t');
  });

  it('sends a test event to that subscription only and watches it delivered', async () => {
    await page.getByRole('button', { name: 'Send test event' }).click();
    const watch = page.locator('.watch');
    await watch.locator('.badge-delivered').first().waitFor({ timeout: 15_000 });
    expect(await watch.textContent()).toMatch(/Test event test-[0-9a-f-]+ \(webhook\.test\)/);
    const [request] = await healthy.waitForRequests(1);
    expect(JSON.parse(request.body.toString('utf8'))).toMatchObject({ type: 'webhook.test', subscriptionId: created.healthy });
    await shot('04-subscription-test-delivered');
  });

  it('rotates the signing secret and shows the new one once', async () => {
    await page.getByRole('button', { name: 'Rotate signing secret' }).click();
    const notice = page.locator('.notice');
    await notice.waitFor();
    expect(await notice.locator('.secret').textContent()).toMatch(/^whsec_/);
    await page
      .locator('dl.settings')
      .getByText(/stops signing/)
      .waitFor();
    await shot('05-subscription-rotated');
  });

  it('opens the attempt log of a failing delivery', async () => {
    const answer = await session.invoke<{ subscription: { id: string } }>('subscriptions', {
      action: 'create',
      url: `${failing.url}/hook`,
      description: 'Failing receiver',
    });
    created.failing = answer.subscription.id;
    await page.goto(`${server.url}/#/subscriptions/${created.failing}`);
    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.locator('.watch .badge-http_status').first().waitFor({ timeout: 15_000 });
    await page.getByRole('link', { name: 'Deliveries of the last 24 h' }).click();
    await page.getByRole('heading', { name: 'Deliveries' }).waitFor();
    await page
      .getByRole('cell', { name: /\.sub_/ })
      .first()
      .waitFor();
    await shot('06-deliveries');
    await page
      .getByRole('cell', { name: /\.sub_/ })
      .getByRole('link')
      .first()
      .click();
    const log = page.getByRole('region', { name: 'Attempt log' });
    await log.waitFor();
    expect(await log.textContent()).toMatch(/1initial.*http_status500HTTP 500/);
    await log.getByText(/chars/).click();
    expect(await log.locator('pre').textContent()).toBe('database unavailable');
    await shot('07-delivery-attempt-log');
  });

  it('counts with a dry run, then resends', async () => {
    const deliveryId = (await page.getByRole('heading', { name: /^Delivery / }).textContent())!.replace('Delivery ', '');
    await page.getByRole('link', { name: 'Resend…' }).click();
    await page.getByRole('heading', { name: 'Resend' }).waitFor();
    expect(await page.getByLabel('Delivery ids (space or comma separated)').inputValue()).toBe(deliveryId);
    await page.getByRole('button', { name: 'Count (dry run)' }).click();
    await page.getByText('would resend 1 of 1 matched delivery').waitFor();
    await shot('08-resend-dry-run');
    failing.respondWith(() => ({ status: 200 }));
    await page.getByRole('button', { name: 'Resend 1 delivery' }).click();
    await page.getByText('Resent 1').waitFor();
    await shot('09-resend-done');
    await failing.waitForRequests(2, 10_000);
    await page.goto(`${server.url}/#/deliveries/${deliveryId}`);
    await page.getByRole('region', { name: 'Attempt log' }).getByText('manual').waitFor({ timeout: 10_000 });
  });

  it('asks for a confirmation above 10 deliveries, then resends them all', async () => {
    const tests = await Promise.all(
      Array.from({ length: 11 }, () =>
        session.invoke<{ test: { deliveryId: string } }>('subscriptions', { action: 'test', id: created.failing }),
      ),
    );
    // Settled first: the dry run leaves out a delivery whose attempt is still in flight.
    const statusOf = async (deliveryId: string) =>
      (await session.invoke<{ delivery: { status: string } }>('deliveries', { action: 'show', deliveryId })).delivery.status;
    await expect
      .poll(async () => (await Promise.all(tests.map((t) => statusOf(t.test.deliveryId)))).every((s) => s === 'delivered'), {
        timeout: 15_000,
      })
      .toBe(true);
    const from = new Date(Date.now() - 3_600_000).toISOString().slice(0, 16);
    const to = new Date(Date.now() + 3_600_000).toISOString().slice(0, 16);
    await page.goto(`${server.url}/#/resend?subscription=${created.failing}&from=${from}&to=${to}`);
    await page.getByLabel('Subscription and time window').check();
    await page.getByRole('button', { name: 'Count (dry run)' }).click();
    await page.getByText(/would resend 12 of 12 matched deliveries/).waitFor();
    const resend = page.getByRole('button', { name: 'Resend 12 deliveries' });
    expect(await resend.isDisabled()).toBe(true);
    await page.getByLabel('Yes, resend 12 deliveries').check();
    await shot('10-resend-confirm');
    await resend.click();
    await page.getByText('Resent 12').waitFor();
  });

  it('lists subscriptions with their health, filters and searches, and is readable on a phone', async () => {
    await page.goto(`${server.url}/#/subscriptions`);
    await page
      .getByRole('link', { name: /127\.0\.0\.1/ })
      .first()
      .waitFor();
    expect(await page.getByRole('region', { name: 'Subscriptions' }).locator('tbody tr').count()).toBe(2);
    await page.getByLabel('Search URL host or description').fill('Failing');
    await page.getByText('1 subscription matching').waitFor();
    await page.getByLabel('Status').selectOption('disabled');
    await page.getByText('0 subscriptions').waitFor();
    await page.getByLabel('Status').selectOption('');
    await page.getByLabel('Search URL host or description').fill('');
    await page.getByText('2 subscriptions').waitFor();
    await shot('11-subscriptions');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot('12-subscriptions-phone');
    await page.goto(`${server.url}/#/subscriptions/${created.healthy}`);
    await page.getByRole('heading', { name: `Subscription ${created.healthy}` }).waitFor();
    // Nothing wider than the phone's screen but the tables, which scroll in their own box.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await shot('13-subscription-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('edits only what changed, disables, and deletes after the id is typed', async () => {
    // What is typed the moment the form appears stays: the form comes up with the subscription's
    // values already in it, and never puts them over what was typed (a fast typist, an autofill).
    await page.evaluate(`new MutationObserver((changes, observer) => {
      const input = document.getElementById('f-desc');
      if (!input) return;
      observer.disconnect();
      input.value = 'Typed at once';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }).observe(document.body, { childList: true, subtree: true })`);
    await page.goto(`${server.url}/#/subscriptions/${created.failing}/edit`);
    const description = page.getByLabel('Description');
    await description.waitFor();
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 50)))');
    expect(await description.inputValue()).toBe('Typed at once');
    await description.fill('Failing receiver, told by phone');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Subscription saved' }).waitFor();
    await page.getByRole('link', { name: `Open subscription ${created.failing}` }).click();
    await page.locator('dl.settings').getByText('Failing receiver, told by phone').waitFor();
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('button', { name: 'Enable' }).waitFor();
    expect(await page.getByRole('button', { name: 'Send test event' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Delete…' }).click();
    const remove = page.getByRole('button', { name: 'Delete subscription' });
    expect(await remove.isDisabled()).toBe(true);
    await page.getByLabel(`Type ${created.failing} to confirm`).fill(created.failing);
    await shot('15-subscription-delete');
    await remove.click();
    await page.getByRole('heading', { name: 'Subscriptions' }).waitFor();
    const gone = await session.invoke<{ subscription: { status: string } }>('subscriptions', { action: 'get', id: created.failing });
    expect(gone.subscription.status).toBe('deleted');
  });

  it('moves through the pages by keyboard', async () => {
    await page.goto(`${server.url}/#/subscriptions`);
    await page.reload();
    await page.getByRole('heading', { name: 'Subscriptions' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string | undefined>('document.activeElement?.textContent')).toBe('Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string | undefined>('document.activeElement?.textContent')).toBe('Deliveries');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Deliveries' }).waitFor();
    // The new page has the focus: the next Tab is its first field.
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string | undefined>('document.activeElement?.id')).toBe('d-event');
  });

  it('lists dead letters with their reasons and redrives one', async () => {
    // As the CRM would publish it: on the events queue, where ingest parks what is not an event.
    const { client, eventsQueueUrl } = await session.sqs();
    await client.send(new SendMessageCommand({ QueueUrl: eventsQueueUrl, MessageBody: '{"id": 9001, "no": "type"}' }));
    await page.goto(`${server.url}/#/dead-letters`);
    await page.getByRole('heading', { name: 'Dead letters' }).waitFor();
    const table = page.getByRole('region', { name: 'Parked messages' });
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh' }).click();
          return table.isVisible();
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    expect(await table.textContent()).toContain('event has no `type`');
    await shot('14-dead-letters');
    await table.getByRole('checkbox').first().check();
    await page.getByRole('button', { name: 'Redrive 1 message' }).click();
    await page.getByText(/Redriven: 1 message/).waitFor();
  });
});
