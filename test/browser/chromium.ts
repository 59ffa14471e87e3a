// Debian's Chromium, driven by playwright-core (which downloads no browser of its own). The browser
// tests need it; `npm test` only says how to run them, and CI installs it (.ci/run).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const INSTALL = `install it as root: apt-get update && apt-get install -y chromium (or set CHROMIUM_PATH)`;

/** Headless, in a fresh profile (Playwright passes it as --user-data-dir), at 1280x800. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) throw new Error(`the console's browser tests need Chromium, not found at ${CHROMIUM}: ${INSTALL}`);
  const profile = mkdtempSync(join(tmpdir(), 'chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
