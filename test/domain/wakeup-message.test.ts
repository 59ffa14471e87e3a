import { describe, expect, it } from 'vitest';
import { formatWakeup, parseWakeup } from '../../lambdas/domain/wakeup-message';
import { sampleEvents } from '../support/samples';

const event = { type: 'form_submission', receivedAt: '2026-11-30T06:00:00.000Z' };

describe('wake-up messages', () => {
  it('carry every sample event raw, as valid JSON, and give back the very same string', () => {
    for (const sample of sampleEvents()) {
      const wakeup = { deliveryId: `${sample.id}.sub_abcdefghijklmnopqrst`, attempt: 1, event: { ...event, body: sample.body } };
      const message = formatWakeup(wakeup);
      expect(message).toContain(sample.body);
      expect(JSON.parse(message)).toMatchObject({ deliveryId: wakeup.deliveryId, eventType: event.type });
      expect(parseWakeup(message).event?.body).toBe(sample.body);
    }
  });

  it('keep bodies a re-serialisation would change: escapes, whitespace, a trailing newline, a "body" member of their own', () => {
    const body = '{ "type" : "x", "body":"\\",\\"body\\":", "t": "caf\\u00e9 é ☃", "n": 1.50 }\n';
    const wakeup = { deliveryId: 'e,"body":1.sub_abcdefghijklmnopqrst', attempt: 3, event: { ...event, type: 'a"b', body } };
    expect(parseWakeup(formatWakeup(wakeup))).toEqual(wakeup);
  });

  it('leave the body out when the message would exceed the limit', () => {
    const wakeup = {
      deliveryId: '1.sub_abcdefghijklmnopqrst',
      attempt: 1,
      event: { ...event, body: `{"type":"x","pad":"${'y'.repeat(500)}"}` },
    };
    expect(parseWakeup(formatWakeup(wakeup, 400))).toEqual({ ...wakeup, event });
  });

  it('carry since when a delivery waits behind a circuit and a release to carry on, with or without the body', () => {
    const wakeup = {
      deliveryId: '1.sub_abcdefghijklmnopqrst',
      attempt: 3,
      waitingSince: '2026-11-30T10:00:00.000Z',
      release: { openedAt: '2026-11-30T09:59:00.000Z', closedAt: '2026-11-30T10:01:00.000Z', after: '3 7.sub_abcdefghijklmnopqrst' },
    };
    expect(parseWakeup(formatWakeup(wakeup))).toEqual(wakeup);
    const withBody = { ...wakeup, event: { ...event, body: '{"type":"x","body":"y"}' } };
    expect(parseWakeup(formatWakeup(withBody))).toEqual(withBody);
    const fromStart = {
      deliveryId: wakeup.deliveryId,
      attempt: 1,
      release: { openedAt: wakeup.release.openedAt, closedAt: wakeup.release.closedAt },
    };
    expect(parseWakeup(formatWakeup(fromStart))).toEqual(fromStart);
    expect(() => parseWakeup('{"deliveryId":"x","attempt":1,"release":{"closedAt":"c","after":"1"}}')).toThrow(/release\.openedAt/);
    expect(() => parseWakeup('{"deliveryId":"x","attempt":1,"release":{"openedAt":"o"}}')).toThrow(/release\.closedAt/);
  });

  it('read the plain wake-ups of before, and refuse malformed ones with a reason', () => {
    expect(parseWakeup('{"deliveryId":"1.sub_abcdefghijklmnopqrst","attempt":2}')).toEqual({
      deliveryId: '1.sub_abcdefghijklmnopqrst',
      attempt: 2,
    });
    expect(() => parseWakeup('nope')).toThrow('wake-up message is not JSON');
    expect(() => parseWakeup('{"deliveryId":"x","attempt":0}')).toThrow(/wake-up message is invalid/);
    expect(() => parseWakeup('{"deliveryId":"x","attempt":1,"body":{}}')).toThrow(/a body without eventType and receivedAt/);
    expect(() => parseWakeup('{"deliveryId":"x","attempt":1,"eventType":"t","receivedAt":"r","body":{"a":1')).toThrow(/not closed/);
  });
});
