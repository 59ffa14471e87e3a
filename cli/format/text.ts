// Text that reaches the terminal. Error texts and response bodies come from receivers, so control
// characters are made visible instead of being sent to the terminal (no escape-sequence tricks).

// Cc, the control characters: U+0000-U+001F and U+007F-U+009F; CONTROL leaves out tab and line feed.
const CONTROL = /[^\P{Cc}\t\n]/gu;
const CONTROL_AND_BREAKS = /\p{Cc}/gu;

const visible = (c: string): string => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;

/** One line: line breaks become spaces, other control characters become \xNN. */
export function singleLine(text: string): string {
  return text.replace(/\r\n|\r|\n|\t/g, ' ').replace(CONTROL_AND_BREAKS, visible);
}

/** Keeps line breaks and tabs, makes every other control character visible. */
export function printable(text: string): string {
  return text.replace(CONTROL, visible);
}

export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

export function durationText(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
