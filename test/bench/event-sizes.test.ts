import { describe, expect, it } from 'vitest';
import { eventSizes, responseBody, RESPONSE_SIZES, tenKilobyteEvent } from '../../bench/lib/event-sizes';
import { sampleBody } from '../../bench/lib/world';

describe('the cost model fixtures', () => {
  it('builds the 10 KB event from the form_submission sample: 10,240 bytes of JSON, every field of the sample kept', () => {
    const body = tenKilobyteEvent();
    expect(Buffer.byteLength(body)).toBe(10 * 1024);
    const event = JSON.parse(body) as Record<string, unknown>;
    const sample = JSON.parse(sampleBody('form_submission')) as Record<string, unknown>;
    expect({ ...event, comment: undefined }).toEqual({ ...sample, comment: undefined });
    expect(typeof event.comment).toBe('string');
  });

  it('runs at the sizes it names: 403 B, 985 B and 10 KB events; 0, 600 and 4096 B responses', () => {
    expect(eventSizes().map((e) => Buffer.byteLength(e.body))).toEqual([403, 985, 10_240]);
    expect(RESPONSE_SIZES.map((n) => Buffer.byteLength(responseBody(n)))).toEqual([0, 600, 4096]);
    expect(JSON.parse(responseBody(600))).toMatchObject({ received: true });
  });
});
