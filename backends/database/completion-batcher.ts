import type { DatabaseBackend } from "./database-backend.js";
import { storeOutcomes } from "./execute-claimed.js";
import type { QueryContext } from "./queries/context.js";
import type { Completion, CompletionItem } from "./queries/complete.js";

/**
 * Collects the outcomes a worker's tasks produce in the same turn of the event loop and stores them
 * in one statement: with many short tasks in flight, one round trip completes many of them.
 */
export class CompletionBatcher {
  #pending: { item: CompletionItem; resolve: (stored: boolean) => void; reject: (error: unknown) => void }[] = [];
  #scheduled = false;

  constructor(
    private readonly backend: DatabaseBackend,
    private readonly ctx: QueryContext,
    private readonly workerId: string,
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
      if (this.#pending.length >= this.maxBatch) void this.#flush();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    const batch = this.#pending.splice(0, this.maxBatch);
    if (batch.length === 0) return;
    try {
      const stored = await storeOutcomes(this.backend, this.ctx, this.workerId, batch.map((b) => b.item));
      for (const b of batch) b.resolve(stored.has(b.item.id));
    } catch (error) {
      for (const b of batch) b.reject(error);
    }
  }
}
