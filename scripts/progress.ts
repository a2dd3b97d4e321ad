/** Progress bars for long jobs (cli-progress), quiet when stderr is not a terminal. */
import cliProgress from 'cli-progress';

export interface Progress {
  update(value: number, payload?: Record<string, string | number>): void;
  log(line: string): void;
  stop(): void;
}

export function progressBar(total: number, start: number, format: string): Progress {
  if (!process.stderr.isTTY) {
    return { update: () => undefined, log: (line) => process.stderr.write(`${line}\n`), stop: () => undefined };
  }
  const bar = new cliProgress.SingleBar(
    { format, stream: process.stderr, etaBuffer: 50, hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, start, {});
  return {
    update: (value, payload) => bar.update(value, payload ?? {}),
    log: (line) => {
      bar.stop();
      process.stderr.write(`${line}\n`);
      bar.start(total, (bar as unknown as { value: number }).value, {});
    },
    stop: () => bar.stop(),
  };
}
