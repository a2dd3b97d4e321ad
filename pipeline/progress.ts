/**
 * How a pipeline job reports progress without printing: the caller (the CLI, a benchmark)
 * passes a `Reporter`; library code only calls it. `kSilentReporter` reports nothing.
 */

/** One progress bar of a job: `update` moves it, `log` prints a line above it. */
export interface Progress {
  update(value: number, payload?: Record<string, string | number>): void;
  log(line: string): void;
  stop(): void;
}

export interface Reporter {
  /** A bar from `start` to `total`; `format` names the payload fields as {field}. */
  bar(total: number, start: number, format: string): Progress;
  /** One line of news (e.g. what a long step is about to do). */
  note(line: string): void;
}

const kNoProgress: Progress = Object.freeze({ update: () => undefined, log: () => undefined, stop: () => undefined });

export const kSilentReporter: Reporter = Object.freeze({ bar: () => kNoProgress, note: () => undefined });
