/** Progress bars for long jobs (cli-progress), quiet when stderr is not a terminal. */
import cliProgress from 'cli-progress';

import type { Progress, Reporter } from '../pipeline/progress.js';

export type { Progress } from '../pipeline/progress.js';

export function progressBar(total: number, start: number, format: string): Progress {
  if (!process.stderr.isTTY) {
    // Logs and CI: one plain line a minute instead of a redrawn bar.
    let last = Date.now();
    const t0 = Date.now();
    return {
      update: (value, payload) => {
        if (Date.now() - last < 60_000) return;
        last = Date.now();
        const rate = (value - start) / ((Date.now() - t0) / 1000);
        const eta = rate > 0 ? Math.round((total - value) / rate) : 0;
        const fields = Object.entries(payload ?? {}).map(([k, v]) => `${k} ${v}`).join(', ');
        process.stderr.write(`${value}/${total}${fields ? ` (${fields})` : ''}, ETA ${eta} s\n`);
      },
      log: (line) => process.stderr.write(`${line}\n`),
      stop: () => undefined,
    };
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

/** The CLI's reporter: progress bars and notes on stderr. */
export const cliReporter: Reporter = Object.freeze({
  bar: progressBar,
  note: (line: string) => {
    process.stderr.write(`${line}\n`);
  },
});
