// The fan-out benchmark's timing with the real AWS SDK: the same ingest handler and the same event
// batches, its DynamoDB requests going over HTTP to dynalite in its own process, so the SDK's
// marshalling, signing and HTTP are in the handler time and in this process's CPU. SQS stays the
// counting fake (its SendMessageBatch calls cost no SDK work here: an undercount at large fan-outs).
import { join } from 'node:path';
import { silentLog } from '../../lambdas/domain/log';
import { createIngestHandler } from '../../lambdas/handlers/ingest';
import { buildIngestDeps } from '../../lambdas/wiring/deps';
import { forkChild } from './child';
import { settledClock } from './settled-clock';
import { fmt, median, percentile, table } from './stats';
import { eventBody, sampleBody, sqsEvent, World } from './world';

export interface SdkTiming {
  subscriptions: number;
  eventsPerInvocation: number;
  instance: 'cold' | 'warm';
  ms: number[];
  cpuMs: number[];
}

async function timeScenario(endpoint: string, subscriptions: number, eventsPerInvocation: number, repeats: number): Promise<SdkTiming[]> {
  const clock = settledClock();
  const world = new World({ dynamoEndpoint: endpoint, clock });
  try {
    await world.createSubscriptions(subscriptions, 'https://hooks.example.org/crm?token=s3cr3t-bench', silentLog);
    const sample = sampleBody('donation');
    let serial = 0;
    const batch = () =>
      Array.from({ length: eventsPerInvocation }, () =>
        eventBody(sample, `sdk-${process.pid}-${subscriptions}-${eventsPerInvocation}-${(serial += 1)}`),
      );
    const fresh = () => createIngestHandler(buildIngestDeps(world.env, world.infra(silentLog)));
    const once = async (handler: ReturnType<typeof fresh>) => {
      world.sqs.clear();
      const cpu = process.cpuUsage();
      const start = performance.now();
      const out = await handler(sqsEvent(batch()));
      const ms = performance.now() - start;
      const used = process.cpuUsage(cpu);
      if (out.batchItemFailures.length > 0) throw new Error(`ingest reported ${out.batchItemFailures.length} failed messages`);
      return { ms, cpuMs: (used.user + used.system) / 1000 };
    };
    await once(fresh());
    const cold: SdkTiming = { subscriptions, eventsPerInvocation, instance: 'cold', ms: [], cpuMs: [] };
    const warm: SdkTiming = { subscriptions, eventsPerInvocation, instance: 'warm', ms: [], cpuMs: [] };
    const handler = fresh();
    await once(handler);
    clock.settle();
    await once(handler);
    for (let r = 0; r < repeats; r += 1) {
      const c = await once(fresh());
      cold.ms.push(c.ms);
      cold.cpuMs.push(c.cpuMs);
      const w = await once(handler);
      warm.ms.push(w.ms);
      warm.cpuMs.push(w.cpuMs);
    }
    return [cold, warm];
  } finally {
    world.close();
  }
}

/** Times each scenario with the real SDK against a dynalite process of its own; prints and returns the timings. */
export async function sdkTimings(scenarios: ReadonlyArray<[number, number]>, repeats: number): Promise<SdkTiming[]> {
  const dynamo = await forkChild<{ endpoint: string }>(join(__dirname, 'dynalite-process.ts'));
  const timings: SdkTiming[] = [];
  try {
    for (const [subscriptions, events] of scenarios)
      timings.push(...(await timeScenario(dynamo.first.endpoint, subscriptions, events, repeats)));
  } finally {
    await dynamo.stop();
  }
  const rows: Array<Array<string | number>> = [['subscriptions', 'events', 'instance', 'handler ms (median)', 'p90', 'CPU ms (median)']];
  for (const t of timings)
    rows.push([
      t.subscriptions,
      t.eventsPerInvocation,
      t.instance,
      fmt(median(t.ms), 2),
      fmt(percentile(t.ms, 90), 2),
      fmt(median(t.cpuMs), 2),
    ]);
  console.log(
    `\nproduced by: the real AWS SDK over HTTP against dynalite in its own process (SQS: the counting fake), ${repeats} repeats per line`,
  );
  console.log(table(rows));
  return timings;
}
