import type { TaskOutcome, TaskStore } from "./store.js";
import { storeOutcomesRetrying } from "./store-outcomes.js";

/**
 * Stores the outcomes a worker's tasks produce, many per call (group commit): the first outcome
 * waits for the end of the current turn of the event loop, then one call stores everything
 * queued; outcomes that arrive while it runs are stored together by the next call, as soon as it
 * returns. One call in flight at a time, so a busy worker sends few, large calls and an idle one
 * stores a lone outcome at once. While the store is unreachable, outcomes queue here (the worker
 * stops claiming once too many wait, which bounds the memory) and are stored when it comes back,
 * however long that takes: the store's fence (`locked_by`) makes a late store safe.
 */
export class CompletionBatcher {
  #pending: { outcome: TaskOutcome; resolve: (stored: boolean) => void; reject: (error: unknown) => void }[] = [];
  #scheduled = false;
  #flushing = false;

  constructor(
    private readonly store: TaskStore,
    private readonly workerId: string,
    /** Retrying a store ends when this aborts (the worker's last bounded wait on stop); until then it goes on. */
    private readonly until: AbortSignal,
    /** The most outcomes per call. @defaultValue the store's `maxBatchSize` */
    private readonly maxBatch = store.capabilities.maxBatchSize,
  ) {}

  /**
   * Queues the outcome of one attempt.
   * @returns whether it was stored (false: this worker no longer owned the task).
   * @throws the store's error when it could not be stored (retrying ended, or the error was not transient).
   */
  complete(outcome: TaskOutcome): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ outcome, resolve, reject });
      if (!this.#flushing && !this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  /** Stores what is queued, in calls of at most `maxBatch`, until nothing is left. */
  async #flush(): Promise<void> {
    this.#scheduled = false;
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0, Math.max(1, this.maxBatch));
        try {
          const receipts = await storeOutcomesRetrying(this.store, this.workerId, batch.map((b) => b.outcome), { until: this.until });
          for (const b of batch) {
            const receipt = receipts.get(b.outcome.id);
            if (receipt?.kind === "failed") b.reject(receipt.error);
            else b.resolve(receipt?.kind === "stored");
          }
        } catch (error) {
          for (const b of batch) b.reject(error);
        }
      }
    } finally {
      this.#flushing = false;
    }
  }
}
