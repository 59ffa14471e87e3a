// Each benchmark leaves its figures as JSON under bench/out/ (ignored by git), so the cost model can
// show them beside its own and RESULTS.md can be checked against the last run.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const OUT_DIR = join(__dirname, '..', 'out');

export function writeResult(name: string, data: unknown): void {
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(join(OUT_DIR, `${name}.json`), `${JSON.stringify({ at: new Date().toISOString(), ...(data as object) }, null, 2)}\n`);
}

export function readResult<T>(name: string): (T & { at: string }) | undefined {
  try {
    return JSON.parse(readFileSync(join(OUT_DIR, `${name}.json`), 'utf8')) as T & { at: string };
  } catch {
    return undefined;
  }
}
