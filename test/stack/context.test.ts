// Configuration through CDK context: values reach the functions, and a bad value stops the synth
// with an error naming the key, before anything is deployed.
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowlist } from '../../lambdas/adapters/http/target-guard';
import { buildStack, dashboardBody, ofType, removeAssembly, synth, type Json, type Synthesized } from './synth';

describe('context overrides', () => {
  let s: Synthesized;

  // As `cdk deploy -c ...` passes them: strings. cdk.json passes numbers; both are accepted.
  const overrides = {
    attemptTimeoutMs: '8000',
    retryBaseDelayMs: 120000,
    retryMultiplier: '1.5',
    maxAttempts: 5,
    retentionDays: '7',
    senderMaxConcurrency: '50',
    ingestMaxConcurrency: '4',
    sweepGraceMs: 420000,
    retryJitter: '0.25',
    signingSecretGraceMs: 3600000,
    failingDisableAfterMs: '86400000',
    targetAllowlist: '10.0.0.0/8, fd00::/8',
    alarmEventsQueueAgeSeconds: '900',
    alarmDeliveriesQueueAgeSeconds: 3600,
    alarmSlowDeliveriesQueueAgeSeconds: '7200',
    alarmDeliveriesFailed: '25',
    alarmFunctionErrors: 3,
    alarmFunctionThrottles: '10',
    slowSenderConcurrency: '3',
    circuitFailureThreshold: 8,
    circuitMinRunMs: '0',
    circuitFirstProbeMs: '60000',
    circuitMaxProbeMs: 3600000,
    slowAttemptMs: '2000',
    slowLaneMs: 300000,
  };

  beforeAll(() => {
    s = synth(overrides, { bundle: false, validate: false });
  }, 120_000);

  afterAll(() => removeAssembly(s));

  it('passes every overridden value to every function', () => {
    const functions = Object.values(ofType(s.resources, 'AWS::Lambda::Function'));
    expect(functions).toHaveLength(8);
    for (const fn of functions) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        ATTEMPT_TIMEOUT_MS: '8000',
        RETRY_BASE_DELAY_MS: '120000',
        RETRY_MULTIPLIER: '1.5',
        MAX_ATTEMPTS: '5',
        RETENTION_DAYS: '7',
        SWEEP_GRACE_MS: '420000',
        RETRY_JITTER: '0.25',
        SIGNING_SECRET_GRACE_MS: '3600000',
        FAILING_DISABLE_AFTER_MS: '86400000',
        // As given: the functions parse it with the same parseAllowlist the stack checked it with.
        TARGET_ALLOWLIST: '10.0.0.0/8, fd00::/8',
        CIRCUIT_FAILURE_THRESHOLD: '8',
        CIRCUIT_MIN_RUN_MS: '0',
        CIRCUIT_FIRST_PROBE_MS: '60000',
        CIRCUIT_MAX_PROBE_MS: '3600000',
        SLOW_ATTEMPT_MS: '2000',
        SLOW_LANE_MS: '300000',
      });
    }
  });

  it('reserves the configured concurrency for the slow lane and lets its trigger use as much', () => {
    const slow = s.stack.functions.byId.slowSender;
    expect(s.resources[s.logicalId(slow)].Properties.ReservedConcurrentExecutions).toBe(3);
    const mapping = Object.values(ofType(s.resources, 'AWS::Lambda::EventSourceMapping')).find(
      (m: Json) => m.Properties.FunctionName.Ref === s.logicalId(slow),
    );
    expect(mapping.Properties.ScalingConfig).toEqual({ MaximumConcurrency: 3 });
  });

  it('caps the sender and ingest concurrency at the configured values', () => {
    const mappingOf = (fn: IConstruct) =>
      Object.values(ofType(s.resources, 'AWS::Lambda::EventSourceMapping')).find(
        (m: Json) => m.Properties.FunctionName.Ref === s.logicalId(fn),
      );
    expect(mappingOf(s.stack.functions.byId.sender).Properties.ScalingConfig).toEqual({ MaximumConcurrency: 50 });
    expect(mappingOf(s.stack.functions.byId.ingest).Properties.ScalingConfig).toEqual({ MaximumConcurrency: 4 });
  });

  it('warns at synth about an allowlist entry that covers a metadata range', () => {
    const warnings = Annotations.fromStack(s.stack).findWarning('*', Match.stringLikeRegexp('targetAllowlist'));
    expect(warnings.map((w) => w.entry.data)).toEqual([
      expect.stringMatching(/"fd00::\/8" is very wide/),
      expect.stringMatching(/"fd00::\/8" covers fd00:ec2::\/32/),
    ]);
  });

  it('refuses a metadata range in targetAllowlist, naming the key', () => {
    expect(() => buildStack({ targetAllowlist: '10.0.0.0/8, 169.254.169.254/32' })).toThrow(
      /invalid CDK context "targetAllowlist": webhook target allowlist: "169\.254\.169\.254\/32" lies in a cloud metadata range/,
    );
  });

  it('sets every alarm threshold from its key', () => {
    const threshold = (alarm: keyof Synthesized['stack']['alarms']['byId']) =>
      s.resources[s.logicalId(s.stack.alarms.byId[alarm])].Properties.Threshold as number;
    expect({
      eventsQueueAge: threshold('eventsQueueAge'),
      deliveriesQueueAge: threshold('deliveriesQueueAge'),
      slowDeliveriesQueueAge: threshold('slowDeliveriesQueueAge'),
      deliveriesFailed: threshold('deliveriesFailed'),
      ingestErrors: threshold('ingestErrors'),
      senderErrors: threshold('senderErrors'),
      slowSenderErrors: threshold('slowSenderErrors'),
      sweeperErrors: threshold('sweeperErrors'),
      ingestThrottles: threshold('ingestThrottles'),
      senderThrottles: threshold('senderThrottles'),
      slowSenderThrottles: threshold('slowSenderThrottles'),
      // Not configurable: one message in a DLQ always needs a person.
      eventsDlq: threshold('eventsDlq'),
      deliveriesDlq: threshold('deliveriesDlq'),
    }).toEqual({
      eventsQueueAge: 900,
      deliveriesQueueAge: 3600,
      slowDeliveriesQueueAge: 7200,
      deliveriesFailed: 25,
      ingestErrors: 3,
      senderErrors: 3,
      slowSenderErrors: 3,
      sweeperErrors: 3,
      ingestThrottles: 10,
      senderThrottles: 10,
      slowSenderThrottles: 10,
      eventsDlq: 1,
      deliveriesDlq: 1,
    });
  });

  it('states the overridden thresholds in the alarm descriptions and on the dashboard', () => {
    const description = (alarm: keyof Synthesized['stack']['alarms']['byId']) =>
      s.resources[s.logicalId(s.stack.alarms.byId[alarm])].Properties.AlarmDescription as string;
    expect(description('eventsQueueAge')).toContain('more than 15 minutes');
    expect(description('deliveriesQueueAge')).toContain('more than 60 minutes');
    expect(description('slowDeliveriesQueueAge')).toContain('more than 120 minutes');
    expect(description('deliveriesFailed')).toMatch(/^25 or more deliveries/);
    expect(description('senderErrors')).toContain('3 or more invocations');
    expect(description('ingestThrottles')).toContain('10 or more invocations');
    const ageGraph = (dashboardBody(s).widgets as Json[]).find((w) => w.properties.title === 'Oldest message age (s)');
    expect(ageGraph.properties.annotations.horizontal).toEqual([
      { value: 900, label: 'events alarm', yAxis: 'left' },
      { value: 3600, label: 'deliveries alarm', yAxis: 'left' },
    ]);
    const slowGraph = (dashboardBody(s).widgets as Json[]).find(
      (w) => w.properties.title === 'Slow lane: wake-ups waiting, in flight; oldest (s, right)',
    );
    expect(slowGraph.properties.annotations.horizontal).toEqual([{ value: 7200, label: 'slow lane alarm', yAxis: 'right' }]);
  });
});

describe('bad context values', () => {
  // Construction validates the context before anything is bundled, so these cost no synth.
  it.each([
    ['maxAttempts', 'ten'],
    ['maxAttempts', 0],
    ['maxAttempts', 101],
    ['attemptTimeoutMs', '2.5'],
    ['attemptTimeoutMs', 60_000],
    ['retryBaseDelayMs', -1],
    ['retryMultiplier', '0.5'],
    ['retentionDays', ''],
    ['senderMaxConcurrency', 1],
    ['sweepGraceMs', true],
    // Shorter than twice the ingest timeout, the sweeper could read a fan-out minute before its events are stored.
    ['sweepGraceMs', 59_999],
    ['retryJitter', 0.9],
    ['retryJitter', '-0.1'],
    ['signingSecretGraceMs', -1],
    ['signingSecretGraceMs', '1.5'],
    ['failingDisableAfterMs', 0],
    ['circuitMinRunMs', -1],
    ['circuitMinRunMs', '10s'],
    ['circuitMinRunMs', 3_600_001],
    ['targetAllowlist', 10],
    ['targetAllowlist', ['10.0.0.0/8']],
    ['alarmEventsQueueAgeSeconds', 299],
    ['alarmEventsQueueAgeSeconds', 86_401],
    ['alarmEventsQueueAgeSeconds', '10m'],
    // Below the longest SQS delay plus the sender's timeout, healthy retry waits would alarm.
    ['alarmDeliveriesQueueAgeSeconds', 900],
    ['alarmDeliveriesQueueAgeSeconds', '1200.5'],
    ['alarmSlowDeliveriesQueueAgeSeconds', 900],
    ['alarmSlowDeliveriesQueueAgeSeconds', 86_401],
    // Below Lambda's least trigger concurrency (2), the slow sender would be throttled by design.
    ['slowSenderConcurrency', 1],
    ['alarmDeliveriesFailed', 0],
    ['alarmDeliveriesFailed', 'many'],
    ['alarmFunctionErrors', 0],
    ['alarmFunctionErrors', 1.5],
    ['alarmFunctionThrottles', -1],
    ['alarmFunctionThrottles', null],
    ['ingestMaxConcurrency', 1],
    ['ingestMaxConcurrency', 1001],
  ])('rejects %s = %j, naming the key', (key, value) => {
    expect(() => buildStack({ [key]: value })).toThrow(new RegExp(`invalid CDK context .*"${key}": expected`));
  });

  it("rejects a targetAllowlist entry that is not a CIDR with parseAllowlist's message, naming the key", () => {
    const message = (() => {
      try {
        parseAllowlist('10.0.0.0/33');
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('parseAllowlist accepted 10.0.0.0/33');
    })();
    expect(message).toMatch(/"10\.0\.0\.0\/33" is not a CIDR/);
    const attempt = () => buildStack({ targetAllowlist: '10.0.0.0/8,10.0.0.0/33' });
    expect(attempt).toThrow(`invalid CDK context "targetAllowlist": ${message} (set in cdk.json or with -c key=value)`);
  });

  it('names every bad key at once', () => {
    const attempt = () => buildStack({ maxAttempts: 'x', retentionDays: 0, retryJitter: 1, targetAllowlist: 'localhost' });
    expect(attempt).toThrow(/"maxAttempts".*"retentionDays".*"retryJitter".*"targetAllowlist"/);
  });
});
