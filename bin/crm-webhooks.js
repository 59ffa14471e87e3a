#!/usr/bin/env node
// `crm-webhooks` without a build step: tsx (from this repository's node_modules, a devDependency)
// compiles cli/ and the types it imports as they load. Installed with `npm ci`, as for every other
// command of this repository.
'use strict';

require('tsx/cjs/api').register();
require('../cli/main.ts');
