/**
 * `TaskResult.wait()` on the DatabaseBackend with wake-ups: the waiters of one backend share one
 * subscription to the completions channel (PostgreSQL LISTEN, or the Redis channel of
 * `OPTIONS.wakeup`), opened by the first waiter and closed when none is left. Any finish wakes them
 * all (each re-reads its own result), as does a reconnection (finishes meanwhile were missed).
 */

/** A subscription to the completions channel: `wakeAll` runs on every message and reconnection. */
export type FinishSubscribe = (wakeAll: () => void) => { close(): Promise<void> };

/** The finish waiters of one backend. */
export class FinishWaiters {
  readonly #waiters = new Set<() => void>();
  #subscription: { close(): Promise<void> } | undefined;

  /** Resolves at the next finish (a message on the channel `subscribe` opens), or after `ms` milliseconds. */
  wait(ms: number, subscribe: FinishSubscribe): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        if (this.#waiters.size === 0) this.stop();
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waiters.add(done);
      this.#subscription ??= subscribe(() => {
        for (const wake of [...this.#waiters]) wake();
      });
    });
  }

  /** Closes the subscription (waiters still waiting resolve at their timeout, or reopen it). */
  stop(): void {
    const subscription = this.#subscription;
    this.#subscription = undefined;
    void subscription?.close();
  }
}
