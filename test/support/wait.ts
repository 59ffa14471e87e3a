// The one way tests wait: a plain delay, and polling for a condition that something else (a runtime,
// a child process, a timer) makes true on its own time, failing with what was awaited.

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `condition` every 20 ms until it holds; fails naming `what` after `timeoutMs` (a function
 * is asked at the timeout, so it can tell the last state seen).
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  what: string | (() => string) = 'a condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(20);
  }
}
