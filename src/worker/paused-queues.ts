/**
 * The worker's view of the paused queues (DESIGN §7): read from the store at most once per
 * `refreshMs`, so a pause costs the claim path one tiny read a second, not one per claim, and the
 * claim statement itself stays the unlimited one (paused queues travel as `excludeQueues`). A
 * wake-up naming a paused queue (its resume) drops the cached list so the next claim sees it.
 */
import type { TaskStore } from "./store.js";

/** How often a worker re-reads the paused queues, in milliseconds. */
export const PAUSED_REFRESH_MS = 1000;

export class PausedQueues {
  #paused: readonly string[] = [];
  #readAt = -Infinity;

  constructor(
    private readonly store: TaskStore,
    private readonly refreshMs = PAUSED_REFRESH_MS,
  ) {}

  /** The paused queues, re-read when the cached list is older than `refreshMs`. Rejects as the store does. */
  async current(): Promise<readonly string[]> {
    const now = performance.now();
    if (now - this.#readAt >= this.refreshMs) {
      this.#paused = await this.store.pausedQueues();
      this.#readAt = now;
    }
    return this.#paused;
  }

  /** Forgets the cached list when `queue` may have been resumed (a wake-up naming it, or naming none). */
  invalidate(queue?: string): void {
    if (queue === undefined || this.#paused.includes(queue)) this.#readAt = -Infinity;
  }
}
