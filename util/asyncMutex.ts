/**
 * A first-come first-served async mutex. `runExclusive(fn)` waits for every earlier holder to
 * settle, runs fn, and releases even when fn throws or rejects.
 */
export class AsyncMutex {
  private tail: Promise<void> = Promise.resolve();
  private held = 0;

  /** Number of callers holding or waiting for the lock. */
  get pending(): number {
    return this.held;
  }

  runExclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    this.held++;
    const result = this.tail.then(fn);
    // The next caller waits for this one to settle, whatever the outcome.
    this.tail = result.then(
      () => {
        this.held--;
      },
      () => {
        this.held--;
      },
    );
    return result;
  }
}
