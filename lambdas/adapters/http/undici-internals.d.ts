// Types for the undici files that undici-core.ts loads directly. undici ships types for its index
// only; these describe the files with undici's own public types, which is what the index re-exports
// them as (index.js: `Agent = require('./lib/dispatcher/agent')`, `errors = require('./lib/core/errors')`).

declare module 'undici/lib/dispatcher/agent' {
  import { Agent } from 'undici';
  export = Agent;
}

declare module 'undici/lib/core/errors' {
  import { errors } from 'undici';
  export = errors;
}
