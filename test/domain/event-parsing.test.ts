import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../lambdas/domain/event-parsing';
import { sampleEventsDir } from '../support/samples';

const MAX = 256 * 1024;

describe('parseEvent', () => {
  it('accepts every sample event of the CRM with its id and type', () => {
    const files = readdirSync(sampleEventsDir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const file of files) {
      const body = readFileSync(join(sampleEventsDir, file), 'utf8');
      const json = JSON.parse(body) as { id: number; type: string };
      expect(parseEvent(body, 'm-1', MAX)).toEqual({ ok: true, eventId: String(json.id), type: json.type });
    }
  });

  it('uses the SQS message id when the event has no id', () => {
    expect(parseEvent('{"type":"donation"}', 'msg-123', MAX)).toEqual({ ok: true, eventId: 'msg-123', type: 'donation' });
  });

  it('accepts string ids', () => {
    expect(parseEvent('{"id":"evt_42","type":"x"}', 'm', MAX)).toEqual({ ok: true, eventId: 'evt_42', type: 'x' });
  });

  it.each([
    ['not json', 'body is not valid JSON'],
    ['[1,2]', 'event must be a JSON object, got an array'],
    ['null', 'event must be a JSON object, got null'],
    ['"donation"', 'event must be a JSON object, got string'],
    ['{"id":1}', 'event has no `type`'],
    ['{"id":1,"type":""}', 'event has no `type`'],
    ['{"id":1,"type":7}', 'event has no `type`'],
    ['{"id":{"a":1},"type":"x"}', 'event `id` must be an integer or a string, got object'],
    ['{"id":1.5,"type":"x"}', 'event `id` must be an integer or a string'],
    ['{"id":"a b","type":"x"}', 'printable ASCII characters without spaces'],
    ['{"id":"","type":"x"}', 'printable ASCII characters without spaces'],
  ])('rejects %s with a reason', (body, reason) => {
    const parsed = parseEvent(body, 'm', MAX);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.reason).toContain(reason);
  });

  it('rejects an event larger than the limit, saying how large it is', () => {
    const body = JSON.stringify({ type: 'x', pad: 'y'.repeat(300) });
    const parsed = parseEvent(body, 'm', 100);
    expect(parsed).toEqual({ ok: false, reason: `event is ${body.length} bytes, more than the limit of 100 bytes` });
  });
});
