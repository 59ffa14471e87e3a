import { defineConfig } from 'vitest/config';

/**
 * Files that need a worker of their own. The entry points' test of concurrent invocations once saw
 * one request id on both invocations after other files had run in its worker (1 CI run of 3); the
 * cause is not understood, so it runs alone.
 */
const ISOLATED = ['test/handlers/entry-points.test.ts'];
/** The browser tests need Chromium and run on their own: `npm run test:browser` (vitest.browser.config.mts). */
const NOT_HERE = ['test/browser/**', '**/node_modules/**'];

export default defineConfig({
  test: {
    // Says at the end of every run that the browser tests were not run, and how to run them.
    globalSetup: ['test/browser/how-to-run.ts'],
    testTimeout: 30_000,
    // The SDK's notice that its 2027 releases need Node 22 would repeat in every worker's output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    hookTimeout: 30_000,
    pool: 'forks',
    // Vitest's default on 2 cores is one file at a time. Most files wait (on retry waits, receivers,
    // child processes) far more than they compute, so two at once keep both cores busy; three made the
    // e2e files that measure retry waits miss them by more than their margins on a 2-core runner.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        // Files that share a worker share its module cache: each file no longer loads the SDK,
        // Powertools and the runtime anew (the suite's import time went from about 67 s to 12 s).
        // What a file changes process-wide it puts back: mocked SDK clients are restored after the
        // file, no file sets environment variables or fake timers, and shared constants are not
        // handed to SDK clients (which mark the objects they are given).
        test: { name: 'shared', isolate: false, include: ['test/**/*.test.ts'], exclude: [...ISOLATED, ...NOT_HERE] },
      },
      { extends: true, test: { name: 'isolated', include: ISOLATED, isolate: true } },
    ],
  },
});
