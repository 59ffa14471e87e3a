// Settings this console has no form field for (per-subscription limits, and whatever the service
// adds next): each gets an input by the type of its current value, and goes into an update only when
// changed. So a new setting is editable here as soon as the service shows and accepts it.
import { KNOWN_FIELDS } from '../api';
import { Field } from '../components';

export type ExtraValues = Record<string, string>;

export function extraFieldsOf(view: Record<string, unknown>): ExtraValues {
  const values: ExtraValues = {};
  for (const [key, value] of Object.entries(view)) {
    if (KNOWN_FIELDS.has(key) || value === undefined) continue;
    values[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return values;
}

/** The changed extra fields as payload values, typed like the originals; throws naming a bad one. */
export function changedExtras(original: Record<string, unknown>, edited: ExtraValues): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(edited)) {
    const before = original[key];
    if (typeof before === 'string') {
      if (text !== before) changes[key] = text;
      continue;
    }
    if (text.trim() === '') {
      changes[key] = null;
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new Error(`${key}: must be ${typeof before === 'number' ? 'a number' : 'JSON'}`);
    }
    if (JSON.stringify(value) !== JSON.stringify(before)) changes[key] = value;
  }
  return changes;
}

export function ExtraFields(props: { original: Record<string, unknown>; values: ExtraValues; onChange(values: ExtraValues): void }) {
  const keys = Object.keys(props.values);
  if (keys.length === 0) return null;
  return (
    <fieldset>
      <legend>Other settings</legend>
      {keys.map((key) => {
        const id = `extra-${key}`;
        const set = (value: string) => props.onChange({ ...props.values, [key]: value });
        const original = props.original[key];
        if (typeof original === 'number') {
          return (
            <Field label={key} id={id} hint="Empty clears it.">
              <input
                id={id}
                name={key}
                type="number"
                value={props.values[key]}
                onInput={(e) => set(e.currentTarget.value)}
                aria-describedby={`${id}-hint`}
              />
            </Field>
          );
        }
        if (typeof original === 'object' && original !== null) {
          return (
            <Field label={`${key} (JSON)`} id={id} hint="Empty clears it.">
              <textarea
                id={id}
                name={key}
                rows={2}
                value={props.values[key]}
                onInput={(e) => set(e.currentTarget.value)}
                aria-describedby={`${id}-hint`}
              />
            </Field>
          );
        }
        return (
          <Field label={key} id={id}>
            <input id={id} name={key} value={props.values[key]} onInput={(e) => set(e.currentTarget.value)} />
          </Field>
        );
      })}
    </fieldset>
  );
}
