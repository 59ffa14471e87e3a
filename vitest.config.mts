import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The browser tests need Chromium and run on their own: `npm run test:browser` (vitest.browser.config.mts).
    exclude: ['test/browser/**', '**/node_modules/**'],
    // ...and says so at the end of every run, with how to run them.
    globalSetup: ['test/browser/how-to-run.ts'],
    testTimeout: 30_000,
    // The SDK's notice that its 2027 releases need Node 22 would repeat in every worker's output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    hookTimeout: 30_000,
    pool: 'forks',
    // Vitest's default on 2 cores is one file at a time. Most files wait (on retry waits, receivers,
    // child processes) far more than they compute, so three at once keep both cores busy; the longest
    // files start first (vitest orders by the last run's durations).
    maxWorkers: 3,
  },
});
