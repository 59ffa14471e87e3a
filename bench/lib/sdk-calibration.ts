// The sender's CPU per record with the real AWS SDK, for the cost model's Lambda duration: the cost
// simulation counts requests on the counting fake, whose in-process time leaves out the SDK's
// marshalling, signing and HTTP. Here the real sender handler runs against dynalite in its own
// process and a sink in another, one invocation at a time (as one Lambda instance runs them), and
// this process's CPU per record is measured for each batch size: median of `rounds` rounds.
import { join } from 'node:path';
import type { UndiciWebhookClient } from '../../lambdas/adapters/http/webhook-client';
import { silentLog } from '../../lambdas/domain/log';
import { createSenderHandler } from '../../lambdas/handlers/sender';
import { buildSendDeps } from '../../lambdas/wiring/deps';
import { forkChild } from './child';
import { seedDeliveries } from './seed';
import { median } from './stats';
import { sqsEvent, World } from './world';

export interface Calibration {
  /** Batch size -> CPU µs per record in this process. */
  cpuUsPerRecord: Map<number, number>;
  /** How many records each round measured. */
  recordsPerRound: number;
  rounds: number;
}

async function roundCpu(world: World, url: string, sample: string, batch: number, records: number, tag: string): Promise<number> {
  const [subscriptionId] = await world.createSubscriptions(1, url, silentLog);
  const deps = buildSendDeps(world.env, world.infra(silentLog));
  const handler = createSenderHandler(deps);
  const seeded = await seedDeliveries(deps.deliveries, {
    subscriptionIds: [subscriptionId],
    events: records,
    sample,
    type: 'form_submission',
    prefix: tag,
  });
  const events = [];
  for (let i = 0; i < seeded.wakeups.length; i += batch) events.push(sqsEvent(seeded.wakeups.slice(i, i + batch)));
  const cpu = process.cpuUsage();
  for (const event of events) {
    const out = await handler(event);
    if (out.batchItemFailures.length > 0) throw new Error(`sender reported ${out.batchItemFailures.length} failed records`);
  }
  const used = process.cpuUsage(cpu);
  await (deps.webhook as UndiciWebhookClient).close();
  return (used.user + used.system) / records;
}

/** Runs the calibration for each batch size, the sizes alternating within each round. */
export async function calibrateSenderCpu(
  batches: readonly number[],
  sample: string,
  records: number,
  rounds: number,
): Promise<Calibration> {
  const sink = await forkChild<{ port: number }>(join(__dirname, 'sink-process.ts'));
  const dynamo = await forkChild<{ endpoint: string }>(join(__dirname, 'dynalite-process.ts'));
  const world = new World({ dynamoEndpoint: dynamo.first.endpoint });
  const url = `http://127.0.0.1:${sink.first.port}/hook?token=calibration-secret`;
  try {
    // JIT warm-up: the first invocations of a process cost several times the steady state.
    await roundCpu(world, url, sample, 10, Math.max(records, 200), 'warm');
    const samples = new Map<number, number[]>(batches.map((b) => [b, []]));
    for (let round = 0; round < rounds; round += 1) {
      const order = round % 2 === 0 ? batches : [...batches].reverse();
      for (const batch of order) samples.get(batch)!.push(await roundCpu(world, url, sample, batch, records, `cal-${round}-${batch}`));
    }
    return { cpuUsPerRecord: new Map([...samples].map(([b, list]) => [b, median(list)])), recordsPerRound: records, rounds };
  } finally {
    world.close();
    await dynamo.stop();
    await sink.stop();
  }
}
