// `--json`: the function's result as it came, for scripts (jq and friends).
export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
