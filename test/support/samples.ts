// The CRM's sample events live in ../shared/events beside the repository (also in CI's clone).
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const sampleEventsDir = resolve(__dirname, '../../../shared/events');

export interface SampleEvent {
  file: string;
  /** The file's bytes as text, exactly as the CRM would publish them. */
  body: string;
  id: string;
  type: string;
}

export function sampleEvents(): SampleEvent[] {
  return readdirSync(sampleEventsDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const body = readFileSync(join(sampleEventsDir, file), 'utf8');
      const json = JSON.parse(body) as { id: number | string; type: string };
      return { file, body, id: String(json.id), type: json.type };
    });
}
