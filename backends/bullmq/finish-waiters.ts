/**
 * `TaskResult.wait()` on BullMQ: waiters of one backend share one event follower (see watch.ts)
 * that wakes them all at any `completed` or `failed` event, and stops when none is left.
 */
import type { Disposer } from "../../src/worker/store.js";
import type { RedisContext } from "./redis-context.js";
import { followEvents } from "./watch.js";

/** The finish waiters of one backend. */
export class FinishWaiters {
  readonly #waiters = new Set<() => void>();
  #follower: Promise<Disposer> | undefined;

  constructor(private readonly context: () => Promise<RedisContext>) {}

  /** Resolves at the next finish anywhere, or after `ms` milliseconds. */
  async wait(ms: number): Promise<void> {
    const ctx = await this.context();
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        if (this.#waiters.size === 0) void this.#stop();
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waiters.add(done);
      this.#follower ??= followEvents(ctx, (_q, event) => {
        if (event === "completed" || event === "failed") this.#wakeAll();
      }, () => undefined);
    });
  }

  #wakeAll(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  async #stop(): Promise<void> {
    const follower = this.#follower;
    this.#follower = undefined;
    await (await follower?.catch(() => undefined))?.();
  }

  /** Wakes every waiter and stops following. */
  async close(): Promise<void> {
    this.#wakeAll();
    await this.#stop();
  }
}
