import type { DatabaseBackend } from "./database-backend.js";
import { storeOutcomes } from "./store-outcomes.js";
import type { QueryContext } from "./queries/context.js";
import type { Completion, CompletionItem } from "./queries/complete.js";

/**
 * Stores the outcomes a worker's tasks produce, many per statement (group commit): the first outcome
 * waits for the end of the current turn of the event loop, then one statement stores everything
 * queued; outcomes that arrive while it runs are stored together by the next statement, as soon as
 * it returns. One statement in flight at a time, so a busy worker sends few, large statements and
 * an idle one stores a lone outcome at once. While the database is unreachable, outcomes queue here
 * (the worker stops claiming once too many wait, which bounds the memory) and are stored when it
 * comes back, however long that takes: the `locked_by` fence makes a late store safe.
 */
export class CompletionBatcher {
  #pending: { item: CompletionItem; resolve: (stored: boolean) => void; reject: (error: unknown) => void }[] = [];
  #scheduled = false;
  #flushing = false;

  constructor(
    private readonly backend: DatabaseBackend,
    private readonly ctx: QueryContext,
    private readonly workerId: string,
    /** Retrying a store ends when this aborts (the worker's last bounded wait on stop); until then it goes on. */
    private readonly until: AbortSignal,
    /** The most outcomes per statement. */
    private readonly maxBatch = 500,
  ) {}

  /**
   * Queues the outcome of task `id`.
   * @returns whether it was stored (false: this worker no longer owned the task).
   */
  complete(id: string, at: Date, completion: Completion): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ item: { id, at, completion }, resolve, reject });
      if (!this.#flushing && !this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  /** Stores what is queued, in statements of at most `maxBatch`, until nothing is left. */
  async #flush(): Promise<void> {
    this.#scheduled = false;
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0, this.maxBatch);
        try {
          const stored = await storeOutcomes(this.backend, this.ctx, this.workerId, batch.map((b) => b.item), { until: this.until });
          for (const b of batch) b.resolve(stored.has(b.item.id));
        } catch (error) {
          for (const b of batch) b.reject(error);
        }
      }
    } finally {
      this.#flushing = false;
    }
  }
}
