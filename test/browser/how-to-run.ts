// Run by `npm test` after the suite: the browser tests are not part of it (they need Chromium), so it
// says how to run them, and whether this machine can.
import { existsSync } from 'node:fs';
import { CHROMIUM, HOW_TO_RUN } from './chromium';

process.stdout.write(
  existsSync(CHROMIUM)
    ? `\nNot run by npm test: the console's browser tests. Chromium is at ${CHROMIUM}: run them with \`npm run test:browser\`.\n`
    : `\nNot run by npm test: the console's browser tests. ${HOW_TO_RUN}\n`,
);
