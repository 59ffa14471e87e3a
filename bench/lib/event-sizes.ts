// The event and response sizes the cost model is run at. Two events are the CRM's own samples
// (../shared/events); the 10 KB one is built from the form_submission sample: its JSON with one more
// top-level field, "comment", a free-text answer padded with repeated prose until the body is 10,240
// bytes, as a long form answer would make it. Responses are what a receiver answers to a 2xx: empty,
// a 600-byte JSON acknowledgement, or a 4 KB page (the attempt log keeps the first 4 KiB).
import { sampleBody } from './world';

export interface EventSize {
  label: string;
  body: string;
}

const TEN_KB = 10 * 1024;
const PROSE = 'I signed because the wetlands near our village are where my children learned to swim. ';

/** The form_submission sample grown to exactly 10,240 bytes by a "comment" field. */
export function tenKilobyteEvent(): string {
  const sample = sampleBody('form_submission').trimEnd();
  if (!sample.endsWith('}')) throw new Error('the form_submission sample is not a JSON object');
  const open = `${sample.slice(0, -1).trimEnd()},\n  "comment": "`;
  const close = '"\n}\n';
  const room = TEN_KB - Buffer.byteLength(open) - Buffer.byteLength(close);
  const text = PROSE.repeat(Math.ceil(room / PROSE.length)).slice(0, room);
  const body = open + text + close;
  JSON.parse(body);
  if (Buffer.byteLength(body) !== TEN_KB) throw new Error(`built a ${Buffer.byteLength(body)}-byte event instead of ${TEN_KB}`);
  return body;
}

export function eventSizes(): EventSize[] {
  const donation = sampleBody('donation');
  const form = sampleBody('form_submission');
  return [
    { label: `${Buffer.byteLength(donation)} B (donation)`, body: donation },
    { label: `${Buffer.byteLength(form)} B (form_submission)`, body: form },
    { label: '10 KB (form_submission + comment)', body: tenKilobyteEvent() },
  ];
}

export const RESPONSE_SIZES = [0, 600, 4096];

/** A JSON acknowledgement of exactly `bytes` bytes (empty for 0), as the receivers answer. */
export function responseBody(bytes: number): string {
  if (bytes === 0) return '';
  const head = '{"received":true,"note":"';
  const tail = '"}';
  if (bytes < head.length + tail.length) throw new Error(`a response of ${bytes} bytes is too short for the acknowledgement`);
  return head + 'x'.repeat(bytes - head.length - tail.length) + tail;
}
