// Global setup of `npm test` (vitest.config.mts): the browser tests are not part of it (they need
// Chromium), so when the run ends, pass or fail, it says how to run them and whether this machine can.
import { existsSync } from 'node:fs';
import { CHROMIUM, INSTALL } from './chromium';

export default function setup(): () => void {
  return () => {
    process.stdout.write(
      existsSync(CHROMIUM)
        ? `\nNot run by npm test: the console's browser tests. Chromium is at ${CHROMIUM}: run them with \`npm run test:browser\`.\n`
        : `\nNot run by npm test: the console's browser tests, which need Chromium (not found at ${CHROMIUM}): ${INSTALL}, ` +
            `then \`npm run test:browser\`.\n`,
    );
  };
}
