// dynalite ships no type declarations; this is the one function of it the local runtime, the tests
// and the benchmarks call.
declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    /** LevelDB folder; in memory without it. */
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
  }

  function dynalite(options: DynaliteOptions): Server;
  export = dynalite;
}
