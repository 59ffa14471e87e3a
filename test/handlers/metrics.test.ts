// The CloudWatch metrics (embedded metric format, through Powertools) that one delivery produces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaHandler } from '../../lambdas/wiring/lambda-handler';
import { METRICS_NAMESPACE, PowertoolsMetrics } from '../../lambdas/wiring/metrics';
import { invoker } from '../../local/lambda-context';
import { sqsEvent, startHarness, wakeupEvent, type Harness } from '../support/harness';
import { emfOf } from '../support/emf';
import { startReceiver, type Receiver } from '../support/receiver';

describe('metrics of a delivery', () => {
  let h: Harness;
  let receiver: Receiver;
  const metrics = new PowertoolsMetrics();

  beforeAll(async () => {
    h = await startHarness({}, { metrics });
    receiver = await startReceiver((_req, n) => ({ status: n === 1 ? 500 : 200 }));
  });
  afterAll(async () => {
    await receiver.close();
    await h.close();
  });

  it('ingest counts the event and the deliveries it created, in one EMF document', async () => {
    const { subscription } = (await h.subscriptions({ action: 'create', url: `${receiver.url}/hook` })) as { subscription: { id: string } };
    // The harness's entry points flush the metrics they were given when each invocation ends.
    const emf = await emfOf(() => h.ingest(sqsEvent([JSON.stringify({ id: 900, type: 'donation' }), 'not json'])));
    expect(emf).toHaveLength(1);
    const doc = emf[0];
    expect(doc._aws.CloudWatchMetrics[0].Namespace).toBe(METRICS_NAMESPACE);
    expect(doc._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service']]);
    expect(doc).toMatchObject({ service: 'crm-webhooks', EventsIngested: 1, EventsRejected: 1, EventsRepeated: 0, DeliveriesCreated: 1 });

    // A failed attempt, then the retry that delivers.
    const deliveryId = `900.${subscription.id}`;
    const failed = await emfOf(() => h.sender(wakeupEvent([{ deliveryId, attempt: 1 }])));
    expect(failed[0]).toMatchObject({ AttemptsHttpStatus: 1, RetriesQueued: 1 });
    expect(failed[0]).not.toHaveProperty('DeliveriesDelivered');
    expect(typeof failed[0].AttemptLatency).toBe('number');

    h.clock.advance(5 * 60_000);
    const delivered = await emfOf(() => h.sender(wakeupEvent([{ deliveryId, attempt: 2 }])));
    expect(delivered[0]).toMatchObject({ AttemptsDelivered: 1, DeliveriesDelivered: 1 });
    const units = Object.fromEntries(delivered[0]._aws.CloudWatchMetrics[0].Metrics.map((m) => [m.Name, m.Unit]));
    expect(units).toEqual({ AttemptsDelivered: 'Count', AttemptLatency: 'Milliseconds', DeliveriesDelivered: 'Count' });
  });

  it('writes nothing when an invocation had nothing to count', async () => {
    const idle = invoker(
      lambdaHandler(async () => undefined, { log: h.log, metrics }),
      'idle',
    );
    expect(await emfOf(() => idle({}))).toEqual([]);
  });

  it('writes what an invocation counted also when it fails', async () => {
    const failing = invoker(
      lambdaHandler(
        async () => {
          metrics.count('SweeperRecoveries');
          throw new Error('storage down');
        },
        { log: h.log, metrics },
      ),
      'failing',
    );
    const emf = await emfOf(() => failing({}).catch(() => undefined));
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({ SweeperRecoveries: 1 });
  });
});
