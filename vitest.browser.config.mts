import { defineConfig } from 'vitest/config';

// The console's browser tests (test/browser): Debian's Chromium through playwright-core, one file,
// its own run (`npm run test:browser`), kept out of `npm test`, which needs no browser.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    pool: 'forks',
  },
});
