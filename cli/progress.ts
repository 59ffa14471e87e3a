// A progress bar on stderr for long runs, only on a terminal: piped stderr gets no redraw noise.
import { Presets, SingleBar } from 'cli-progress';

export interface Progress {
  advance(by: number): void;
  stop(): void;
}

export function startProgress(total: number, unit: string): Progress {
  if (process.stderr.isTTY !== true) return { advance: () => undefined, stop: () => undefined };
  const bar = new SingleBar(
    { stream: process.stderr, format: `{bar} {value}/{total} ${unit} | {duration_formatted}`, hideCursor: true, clearOnComplete: false },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    advance: (by) => bar.increment(by),
    stop: () => bar.stop(),
  };
}
