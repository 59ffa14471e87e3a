// The parts of undici the webhook client uses, loaded from undici's own files instead of its index.
// The index also loads fetch, WebSocket, EventSource, the caches, the mocks and their helpers: ~240 KB
// of the sender's bundle that esbuild cannot drop (undici is CommonJS), and module work at every cold
// start. These are the very modules the index re-exports (`Agent`, `errors`), so an Agent made here
// is the index's Agent and an error from here is an instance of the index's error classes.
import Agent = require('undici/lib/dispatcher/agent');
import errors = require('undici/lib/core/errors');

export { Agent, errors };
