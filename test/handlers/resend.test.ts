import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ResendResult } from '../../lambdas/domain/resend';
import type { Delivery } from '../../lambdas/domain/types';
import { startReceiver, type Receiver } from '../support/receiver';
import { sqsEvent, startHarness, wakeupEvent, type Harness } from '../support/harness';

const HOUR = 3_600_000;

type ResendAnswer = ResendResult;

describe('resend handler', () => {
  let h: Harness;
  let receiver: Receiver;
  let healthy = false;

  beforeAll(async () => {
    // Two attempts per budget, one second apart: a delivery fails after two sender runs.
    h = await startHarness({ MAX_ATTEMPTS: '2', RETRY_BASE_DELAY_MS: '1000' });
    receiver = await startReceiver(() => (healthy ? { status: 204 } : { status: 500, body: 'down' }));
  });
  afterAll(async () => {
    await receiver.close();
    await h.close();
  });
  beforeEach(() => {
    healthy = false;
    receiver.requests.length = 0;
    h.sqs.resetHistory();
  });
  afterEach(() => vi.restoreAllMocks());

  let counter = 0;
  /** Each test subscribes to its own event type, so other tests' subscriptions get none of its events. */
  function freshType(): string {
    counter += 1;
    return `type_${counter}`;
  }

  async function subscribe(eventType: string): Promise<string> {
    const { subscription } = (await h.subscriptions({
      action: 'create',
      url: `${receiver.url}/hook?secret=s3cr3t`,
      eventTypes: [eventType],
    })) as {
      subscription: { id: string };
    };
    return subscription.id;
  }

  async function publish(eventType: string, ...ids: Array<string | number>): Promise<void> {
    const res = await h.ingest(sqsEvent(ids.map((id) => JSON.stringify({ id, type: eventType }))));
    expect(res.batchItemFailures).toEqual([]);
    // Tests drive the sender by hand; only the wake-ups queued after this point are asserted.
    h.sqs.resetHistory();
  }

  async function resend(input: unknown): Promise<ResendAnswer> {
    return await h.resend(input);
  }

  async function get(deliveryId: string): Promise<Delivery> {
    const delivery = await h.deliveries.get(deliveryId);
    expect(delivery, deliveryId).toBeDefined();
    return delivery!;
  }

  /** Runs attempts against the failing receiver until the budget of MAX_ATTEMPTS 2 is used up. */
  async function failCompletely(deliveryId: string): Promise<Delivery> {
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      await h.sender(wakeupEvent([{ deliveryId, attempt }]));
      h.clock.advance(1000);
    }
    const delivery = await get(deliveryId);
    expect(delivery).toMatchObject({ status: 'failed', attemptCount: 2 });
    h.sqs.resetHistory();
    return delivery;
  }

  async function deliver(deliveryId: string, attempt = 1): Promise<void> {
    healthy = true;
    await h.sender(wakeupEvent([{ deliveryId, attempt }]));
    healthy = false;
    expect((await get(deliveryId)).status).toBe('delivered');
    h.sqs.resetHistory();
  }

  async function refusal(input: unknown): Promise<Error> {
    const error = await h.resend(input).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error, 'expected the resend request to be refused').toBeInstanceOf(Error);
    return error!;
  }

  describe('by deliveryIds', () => {
    it('starts a fresh budget for a failed delivery, queues its next attempt, and the sender delivers it as a manual attempt', async () => {
      const type = freshType();
      const subscriptionId = await subscribe(type);
      await publish(type, 'r-1');
      const deliveryId = `r-1.${subscriptionId}`;
      await failCompletely(deliveryId);

      const answer = await resend({ deliveryIds: [deliveryId] });
      expect(answer).toEqual({ dryRun: false, matched: 1, resent: 1, deliveryIds: [deliveryId], skipped: [], notFound: [] });
      const restarted = await get(deliveryId);
      expect(restarted).toMatchObject({
        status: 'pending',
        attemptCount: 2,
        budgetStart: 2,
        nextTrigger: 'manual',
        nextAttemptAt: h.clock.now().toISOString(),
      });
      expect(restarted.completedAt).toBeUndefined();
      expect(h.queued()).toEqual([{ deliveryId, attempt: 3 }]);

      healthy = true;
      const res = await h.sender(wakeupEvent(h.queued()));
      expect(res.batchItemFailures).toEqual([]);
      expect(await get(deliveryId)).toMatchObject({ status: 'delivered', attemptCount: 3 });
      expect((await h.deliveries.listAttempts(deliveryId)).map((a) => [a.number, a.trigger, a.outcome])).toEqual([
        [1, 'initial', 'http_status'],
        [2, 'retry', 'http_status'],
        [3, 'manual', 'delivered'],
      ]);
      expect(receiver.requests.at(-1)?.headers['webhook-id']).toBe(deliveryId);
      expect(h.log.text()).not.toContain('s3cr3t');
    });

    it('gives a resent delivery a whole new budget: two more attempts before it fails again', async () => {
      const type = freshType();
      const subscriptionId = await subscribe(type);
      await publish(type, 'r-2');
      const deliveryId = `r-2.${subscriptionId}`;
      await failCompletely(deliveryId);

      await resend({ deliveryIds: [deliveryId] });
      await h.sender(wakeupEvent([{ deliveryId, attempt: 3 }]));
      const afterManual = await get(deliveryId);
      expect(afterManual).toMatchObject({ status: 'pending', attemptCount: 3, budgetStart: 2, nextTrigger: 'retry' });
      // The first wait of the new budget again: the base delay.
      expect(Date.parse(afterManual.nextAttemptAt!) - h.clock.now().getTime()).toBe(1000);
      expect(h.queued()).toEqual([
        { deliveryId, attempt: 3 },
        { deliveryId, attempt: 4, delaySeconds: 1 },
      ]);
      h.clock.advance(1000);
      await h.sender(wakeupEvent([{ deliveryId, attempt: 4 }]));
      expect(await get(deliveryId)).toMatchObject({ status: 'failed', attemptCount: 4 });
      expect((await h.deliveries.listAttempts(deliveryId)).map((a) => [a.number, a.trigger])).toEqual([
        [1, 'initial'],
        [2, 'retry'],
        [3, 'manual'],
        [4, 'retry'],
      ]);
      expect(receiver.requests).toHaveLength(4);
    });

    it('reports a well-formed id that names no delivery in notFound and resends the others', async () => {
      const type = freshType();
      const subscriptionId = await subscribe(type);
      await publish(type, 'r-3');
      const deliveryId = `r-3.${subscriptionId}`;
      await failCompletely(deliveryId);
      const unknown = `no-such-event.${subscriptionId}`;

      const answer = await resend({ deliveryIds: [unknown, deliveryId, deliveryId] });
      expect(answer).toMatchObject({ matched: 1, resent: 1, deliveryIds: [deliveryId], notFound: [unknown] });
      expect(h.queued()).toEqual([{ deliveryId, attempt: 3 }]);
    });

    it('skips a delivery whose attempt is in flight, and resends it once the lease has run out', async () => {
      const type = freshType();
      const subscriptionId = await subscribe(type);
      await publish(type, 'r-4');
      const deliveryId = `r-4.${subscriptionId}`;
      const now = h.clock.now();
      const origin = { eventType: type, createdAt: now.toISOString() };
      const claimed = await h.deliveries.claimAttempt(
        { deliveryId, attempt: 1 },
        now.toISOString(),
        new Date(now.getTime() + 60_000).toISOString(),
        origin,
      );
      expect(claimed).toBeDefined();

      const answer = await resend({ deliveryIds: [deliveryId] });
      expect(answer).toMatchObject({ matched: 1, resent: 0, deliveryIds: [], notFound: [] });
      expect(answer.skipped).toEqual([{ deliveryId, reason: expect.stringMatching(/in flight/) }]);
      expect(h.queued()).toEqual([]);
      expect(await get(deliveryId)).toMatchObject({ attemptCount: 1, leaseUntil: claimed!.leaseUntil, nextTrigger: 'initial' });

      // A sender that crashed never concludes: once its lease is over, the resend goes through.
      h.clock.advance(61_000);
      const later = await resend({ deliveryIds: [deliveryId] });
      expect(later).toMatchObject({ resent: 1, deliveryIds: [deliveryId], skipped: [] });
      expect(h.queued()).toEqual([{ deliveryId, attempt: 2 }]);
      healthy = true;
      await h.sender(wakeupEvent(h.queued()));
      expect(await get(deliveryId)).toMatchObject({ status: 'delivered', attemptCount: 2 });
    });

    it('names the position of a malformed id in the list as given', async () => {
      const type = freshType();
      const subscriptionId = await subscribe(type);
      const good = `r-5.${subscriptionId}`;
      for (const [ids, field] of [
        [['not-a-delivery-id'], 'deliveryIds.0'],
        [[good, 'r-5.sub_TOOSHORT'], 'deliveryIds.1'],
        // A repeated id before the bad one must not shift the position named.
        [[good, good, '.sub_aaaaaaaaaaaaaaaaaaaa'], 'deliveryIds.2'],
      ] as const) {
        const error = await refusal({ deliveryIds: ids });
        expect(error.name).toBe('ValidationError');
        expect(error.message.startsWith(`${field}: `), error.message).toBe(true);
      }
      expect(h.queued()).toEqual([]);
    });
  });

  describe('by eventIds', () => {
    it('resends every delivery of the events, with numeric and string ids', async () => {
      const type = freshType();
      const a = await subscribe(type);
      const b = await subscribe(type);
      await publish(type, 7001, 'evt-7002');
      const ids = [`7001.${a}`, `7001.${b}`, `evt-7002.${a}`, `evt-7002.${b}`].sort();
      for (const id of ids) await failCompletely(id);

      const answer = await resend({ eventIds: [7001, 'evt-7002', '7001'] });
      expect(answer).toMatchObject({ matched: 4, resent: 4, deliveryIds: ids, skipped: [], notFound: [] });
      expect(h.queued().sort((x, y) => x.deliveryId.localeCompare(y.deliveryId))).toEqual(
        ids.map((deliveryId) => ({ deliveryId, attempt: 3 })),
      );
      for (const id of ids) expect(await get(id)).toMatchObject({ status: 'pending', nextTrigger: 'manual', budgetStart: 2 });
    });

    it('limits the resend to one subscription when subscriptionId is given', async () => {
      const type = freshType();
      const a = await subscribe(type);
      const b = await subscribe(type);
      await publish(type, 7101);
      await failCompletely(`7101.${a}`);
      await failCompletely(`7101.${b}`);

      const answer = await resend({ eventIds: ['7101'], subscriptionId: b });
      expect(answer).toMatchObject({ matched: 1, resent: 1, deliveryIds: [`7101.${b}`], notFound: [] });
      expect(h.queued()).toEqual([{ deliveryId: `7101.${b}`, attempt: 3 }]);
      expect((await get(`7101.${a}`)).status).toBe('failed');
    });

    it('resends a delivered delivery too, and reports events with no delivery in notFound', async () => {
      const type = freshType();
      const a = await subscribe(type);
      await publish(type, 7201);
      await deliver(`7201.${a}`);

      const answer = await resend({ eventIds: [7201, 'never-published'] });
      expect(answer).toMatchObject({ matched: 1, resent: 1, deliveryIds: [`7201.${a}`], notFound: ['never-published'] });
      expect(await get(`7201.${a}`)).toMatchObject({ status: 'pending', attemptCount: 1, budgetStart: 1, nextTrigger: 'manual' });
      healthy = true;
      await h.sender(wakeupEvent(h.queued()));
      expect((await h.deliveries.listAttempts(`7201.${a}`)).map((x) => [x.number, x.trigger, x.outcome])).toEqual([
        [1, 'initial', 'delivered'],
        [2, 'manual', 'delivered'],
      ]);
    });
  });

  describe('by subscription and time window', () => {
    it('resends only the deliveries created in the window, optionally only those with a status', async () => {
      const type = freshType();
      const subscriptionId = await subscribe(type);
      const other = await subscribe(type);
      const t0 = h.clock.now();
      await publish(type, 'w-1');
      h.clock.advance(HOUR);
      const t1 = h.clock.now();
      await publish(type, 'w-2', 'w-3');
      h.clock.advance(HOUR);
      const t2 = h.clock.now();
      await publish(type, 'w-4');
      // w-1 and w-2 fail, w-3 is delivered, w-4 fails once and waits for its retry. (A delivery not
      // attempted yet is stored only in its event's plan, so no time window lists it.)
      await failCompletely(`w-1.${subscriptionId}`);
      await failCompletely(`w-2.${subscriptionId}`);
      await deliver(`w-3.${subscriptionId}`);
      await h.sender(wakeupEvent([{ deliveryId: `w-4.${subscriptionId}`, attempt: 1 }]));
      h.sqs.resetHistory();

      const window = { subscriptionId, from: new Date(t1.getTime() - 1000).toISOString(), to: new Date(t1.getTime() + 1000).toISOString() };
      const dry = await resend({ ...window, dryRun: true });
      expect(dry).toMatchObject({ dryRun: true, matched: 2, resent: 0, skipped: [], notFound: [] });
      expect([...dry.deliveryIds].sort()).toEqual([`w-2.${subscriptionId}`, `w-3.${subscriptionId}`]);

      const failedOnly = await resend({ ...window, status: 'failed', dryRun: true });
      expect(failedOnly).toMatchObject({ matched: 1, deliveryIds: [`w-2.${subscriptionId}`] });

      // The whole span, bounds inclusive, offsets allowed: every status, this subscription only.
      const all = await resend({ subscriptionId, from: t0.toISOString(), to: t2.toISOString().replace('Z', '+00:00'), dryRun: true });
      expect([...all.deliveryIds].sort()).toEqual(['w-1', 'w-2', 'w-3', 'w-4'].map((e) => `${e}.${subscriptionId}`));
      expect(
        (await resend({ subscriptionId, from: t0.toISOString(), to: t2.toISOString(), status: 'pending', dryRun: true })).deliveryIds,
      ).toEqual([`w-4.${subscriptionId}`]);
      expect(h.queued()).toEqual([]);

      const real = await resend({ subscriptionId, from: t0.toISOString(), to: t2.toISOString(), status: 'failed' });
      expect(real).toMatchObject({ dryRun: false, matched: 2, resent: 2, deliveryIds: [`w-1.${subscriptionId}`, `w-2.${subscriptionId}`] });
      expect(h.queued()).toEqual(
        expect.arrayContaining([
          { deliveryId: `w-1.${subscriptionId}`, attempt: 3 },
          { deliveryId: `w-2.${subscriptionId}`, attempt: 3 },
        ]),
      );
      expect(h.queued()).toHaveLength(2);
      expect((await get(`w-3.${subscriptionId}`)).status).toBe('delivered');
      expect((await get(`w-1.${other}`)).nextTrigger).toBe('initial');
    });

    it('matches nothing outside the window', async () => {
      const type = freshType();
      const subscriptionId = await subscribe(type);
      await publish(type, 'w-9');
      const now = h.clock.now().getTime();
      const answer = await resend({ subscriptionId, from: new Date(now + 1000).toISOString(), to: new Date(now + HOUR).toISOString() });
      expect(answer).toEqual({ dryRun: false, matched: 0, resent: 0, deliveryIds: [], skipped: [], notFound: [] });
      expect(h.queued()).toEqual([]);
    });
  });

  describe('dryRun', () => {
    it('changes nothing and queues nothing, but reports the deliveries that would be resent', async () => {
      const type = freshType();
      const subscriptionId = await subscribe(type);
      await publish(type, 'd-1');
      const deliveryId = `d-1.${subscriptionId}`;
      const before = await failCompletely(deliveryId);
      const attemptsBefore = await h.deliveries.listAttempts(deliveryId);

      for (const input of [{ deliveryIds: [deliveryId] }, { eventIds: ['d-1'] }, { eventIds: ['d-1'], subscriptionId }]) {
        const answer = await resend({ ...input, dryRun: true });
        expect(answer).toEqual({ dryRun: true, matched: 1, resent: 0, deliveryIds: [deliveryId], skipped: [], notFound: [] });
      }
      expect(await get(deliveryId)).toEqual(before);
      expect(await h.deliveries.listAttempts(deliveryId)).toEqual(attemptsBefore);
      expect(h.queued()).toEqual([]);
      // dryRun false is a real resend.
      expect((await resend({ deliveryIds: [deliveryId], dryRun: false })).resent).toBe(1);
    });
  });

  describe('bad input', () => {
    const sub = 'sub_aaaaaaaaaaaaaaaaaaaa';
    const from = '2026-11-01T00:00:00Z';
    const to = '2026-11-03T00:00:00Z';

    it.each([
      ['not an object (null)', null, /must be a JSON object/],
      ['not an object (string)', 'r-1.sub_aaaaaaaaaaaaaaaaaaaa', /must be a JSON object/],
      ['not an object (array)', [`r-1.${sub}`], /must be a JSON object/],
      ['no selector', {}, /needs one selector: `deliveryIds`, `eventIds`/],
      ['only dryRun', { dryRun: true }, /needs one selector/],
      ['two selectors', { deliveryIds: [`r-1.${sub}`], eventIds: ['1'] }, /one selector per call: `deliveryIds` or `eventIds`/],
      [
        'a window next to deliveryIds',
        { deliveryIds: [`r-1.${sub}`], subscriptionId: sub, from, to },
        /unknown fields `subscriptionId`, `from`, `to`/,
      ],
      ['a window next to eventIds', { eventIds: ['1'], from, to }, /unknown fields `from`, `to`/],
      ['an unknown field', { deliveryIds: [`r-1.${sub}`], force: true }, /unknown field `force`/],
      ['an unknown field in a window', { subscriptionId: sub, from, to, limit: 5 }, /unknown field `limit`/],
      ['from after to', { subscriptionId: sub, from: to, to: from }, /^invalid resend request: from: must be before `to`/],
      ['from equal to to', { subscriptionId: sub, from, to: from }, /from: must be before `to`/],
      ['a date without time', { subscriptionId: sub, from: '2026-11-01', to }, /from: must be an ISO 8601 date-time/],
      ['a date that is no date', { subscriptionId: sub, from, to: 'yesterday' }, /to: must be an ISO 8601 date-time/],
      ['a window without to', { subscriptionId: sub, from }, /\bto: /],
      ['a window without subscriptionId', { from, to }, /subscriptionId: /],
      ['a bad subscriptionId', { subscriptionId: 'sub_1', from, to }, /subscriptionId: must be a subscription id/],
      ['a bad status', { subscriptionId: sub, from, to, status: 'done' }, /status: must be one of pending, delivered, failed, paused/],
      ['a dryRun that is not a boolean', { deliveryIds: [`r-1.${sub}`], dryRun: 'yes' }, /dryRun: must be true or false/],
      ['empty deliveryIds', { deliveryIds: [] }, /deliveryIds: must name at least one delivery/],
      ['deliveryIds not an array', { deliveryIds: `r-1.${sub}` }, /deliveryIds: must be an array of delivery ids/],
      ['an empty delivery id', { deliveryIds: [`r-1.${sub}`, ''] }, /deliveryIds\.1: must not be empty/],
      [
        'more than 1000 deliveryIds',
        { deliveryIds: Array.from({ length: 1001 }, (_, i) => `e${i}.${sub}`) },
        /deliveryIds: at most 1000 per call/,
      ],
      ['empty eventIds', { eventIds: [] }, /eventIds: must name at least one event/],
      ['more than 1000 eventIds', { eventIds: Array.from({ length: 1001 }, (_, i) => i) }, /eventIds: at most 1000 per call/],
      ['a fractional event id', { eventIds: [1.5] }, /eventIds\.0: /],
      ['eventIds with a bad subscriptionId', { eventIds: ['1'], subscriptionId: 'nope' }, /subscriptionId: must be a subscription id/],
    ])('refuses %s with a ValidationError naming the field', async (_name, input, message) => {
      const error = await refusal(input);
      expect(error.name).toBe('ValidationError');
      expect(error.message).toMatch(message);
      expect(h.queued()).toEqual([]);
    });
  });

  describe('unexpected errors', () => {
    it('answers with what was resent when the queue refuses the wake-ups: the deliveries are due and the sweeper wakes them', async () => {
      const type = freshType();
      const subscriptionId = await subscribe(type);
      await publish(type, 'q-1');
      const deliveryId = `q-1.${subscriptionId}`;
      await failCompletely(deliveryId);
      h.sqs.on(SendMessageBatchCommand).rejects(Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable' }));
      const logged = h.log.lines.length;
      let answer: ResendAnswer;
      try {
        answer = await resend({ deliveryIds: [deliveryId] });
      } finally {
        h.sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
      }
      expect(answer).toMatchObject({ matched: 1, resent: 1, deliveryIds: [deliveryId] });
      expect(await get(deliveryId)).toMatchObject({ status: 'pending', nextTrigger: 'manual', budgetStart: 2 });
      expect(h.log.lines.slice(logged).some((l) => l.level === 'warn' && /sweeper will pick them up/.test(l.message))).toBe(true);

      // Past the sweeper's grace period the delivery is woken again and the manual attempt made.
      h.sqs.resetHistory();
      h.clock.advance(11 * 60_000);
      // Other tests' pending deliveries are overdue by now too; only this one is followed.
      expect(await h.sweeper()).toMatchObject({ failed: 0 });
      expect(h.queued()).toContainEqual({ deliveryId, attempt: 3 });
      healthy = true;
      await h.sender(wakeupEvent([{ deliveryId, attempt: 3 }]));
      expect((await h.deliveries.listAttempts(deliveryId)).at(-1)).toMatchObject({ number: 3, trigger: 'manual', outcome: 'delivered' });
    });

    it('answers an InternalError without internals and logs the full error', async () => {
      const internals = 'Requested resource not found: Table: deliveries-deadbeef not found';
      vi.spyOn(h.doc, 'send').mockRejectedValue(Object.assign(new Error(internals), { name: 'ResourceNotFoundException' }));
      const logged = h.log.lines.length;
      const error = await refusal({ eventIds: ['1'] });
      expect(error.name).toBe('InternalError');
      expect(error.message).toBe('resend failed: internal error, see the function log');
      const errors = h.log.lines.slice(logged).filter((l) => l.level === 'error');
      expect(errors.map((l) => [l.message, String(l.fields?.error)])).toEqual([['resend failed', expect.stringContaining(internals)]]);
    });
  });
});
