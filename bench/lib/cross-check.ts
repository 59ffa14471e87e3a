// The cost model's DynamoDB requests per delivery beside what the local runtime made in bench:e2e's
// healthy phase: the model's counts are only worth its prices if the real pipeline makes the same.
import { readResult } from './results';
import type { SimulationResult } from './simulation';
import { fmt, table } from './stats';

export function crossCheck(success: SimulationResult): void {
  const e2e = readResult<{ results: Array<{ phase: string; deliveries: number; dynamo: Record<string, number> }> }>('e2e');
  const healthy = e2e?.results.find((p) => p.phase === 'healthy');
  if (!healthy) {
    console.log('\n(no bench/out/e2e.json: run npm run bench:e2e first for the cross-check against the local runtime)');
    return;
  }
  const ops = [
    ...new Set([
      ...Object.keys(healthy.dynamo),
      ...Object.keys(success.requests)
        .filter((k) => k.startsWith('DynamoDB.'))
        .map((k) => k.slice(9)),
    ]),
  ].sort();
  const rows: Array<Array<string | number>> = [
    ['DynamoDB requests per delivery', 'this model (success)', `local runtime e2e, healthy (${e2e!.at})`],
  ];
  for (const op of ops)
    rows.push([
      op,
      fmt((success.requests[`DynamoDB.${op}`] ?? 0) / success.deliveries, 3),
      fmt((healthy.dynamo[op] ?? 0) / healthy.deliveries, 3),
    ]);
  console.log(`\n${table(rows)}`);
}
