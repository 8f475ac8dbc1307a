/**
 * Counts the database operations still running on a backend, so that `close()` ends the pool only
 * once they have settled. Ending a pg pool while queries are still acquiring connections never
 * resolves (`errand status` on an unmigrated database hung forever: the first of its parallel
 * queries failed, the command closed the backend, and the others were still connecting).
 */
export class InFlight {
  #count = 0;
  #idle: (() => void)[] = [];

  /** Runs `fn`, counted until it settles. */
  async track<T>(fn: () => Promise<T>): Promise<T> {
    this.#count++;
    try {
      return await fn();
    } finally {
      if (--this.#count === 0) for (const wake of this.#idle.splice(0)) wake();
    }
  }

  /** Resolves once nothing is running (at once when nothing is). */
  settled(): Promise<void> {
    return this.#count === 0 ? Promise.resolve() : new Promise((resolve) => this.#idle.push(resolve));
  }
}
