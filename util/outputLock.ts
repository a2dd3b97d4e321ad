/**
 * An advisory lock per output: an exclusive lock file beside it (`.NAME.lock`, created with
 * O_EXCL) holding the writer's PID. A second writer of the same output refuses instead of
 * interleaving with the first; a lock whose PID no longer runs (a writer killed with -9) is
 * stale and taken over. The lock is released by `release()` and, as a last resort, when the
 * process exits.
 */
import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** Path of the lock file of `target`. */
export function lockPath(target: string): string {
  const abs = resolve(target);
  return join(dirname(abs), `.${basename(abs)}.lock`);
}

/** Whether process `pid` is alive (on this machine). */
export function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holder(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export class OutputLock {
  private held = true;
  private readonly onExit = (): void => this.release();

  private constructor(readonly target: string, readonly path: string) {
    process.once('exit', this.onExit);
  }

  /**
   * Takes the lock of `target`. Throws naming the other writer when it is held by a running
   * process (this one included: a second writer in one process refuses too).
   */
  static acquire(target: string): OutputLock {
    const path = lockPath(target);
    // Two attempts: the second after taking over a stale lock.
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        try {
          writeSync(fd, `${process.pid}\n`);
        } finally {
          closeSync(fd);
        }
        return new OutputLock(target, path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const pid = holder(path);
      if (pid !== undefined && processRunning(pid)) {
        throw new Error(
          `${target} is being written by another hwnas run (process ${pid}): wait for it to finish, or choose another --out ` +
            `(if no such run is going on, delete the lock file ${path})`,
        );
      }
      // Stale (its writer is gone, or it was left half-written): set it aside under a unique
      // name so that of two runs taking it over at once, only one removes it.
      const aside = `${path}.stale-${process.pid}`;
      try {
        renameSync(path, aside);
        rmSync(aside, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    throw new Error(`${target} is being written by another hwnas run (its lock file ${path} keeps being re-created): wait for it to finish`);
  }

  /** Removes the lock file (once). */
  release(): void {
    if (!this.held) return;
    this.held = false;
    process.removeListener('exit', this.onExit);
    if (holder(this.path) === process.pid) rmSync(this.path, { force: true });
  }
}

/** Runs `work` holding the lock of `target`. */
export async function withOutputLock<T>(target: string, work: () => Promise<T>): Promise<T> {
  const lock = OutputLock.acquire(target);
  try {
    return await work();
  } finally {
    lock.release();
  }
}
