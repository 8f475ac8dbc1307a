import type { OutcomeReceipt, TaskOutcome, TaskStore } from "./store.js";
import { Backoff } from "./retry.js";

/** Options of {@link storeOutcomesRetrying}. */
export interface StoreRetryOptions {
  /**
   * Retry transient failures until this signal aborts (a worker passes one it aborts when it stops,
   * after a last bounded wait): the store's fence makes a late store safe.
   */
  until?: AbortSignal;
  /** Without `until`: give up after this many milliseconds of retrying. @defaultValue Infinity */
  maxElapsedMs?: number;
}

/**
 * Stores outcomes through the port, in calls of at most `capabilities.maxBatchSize`, retrying with
 * back-off only the outcomes whose receipt is `failed` and transient (a call that rejects as a whole
 * counts as one such receipt per outcome, transient if the store says so), until they are stored or
 * refused, or retrying ends. Batch isolation (one outcome the store refuses never fails the others)
 * is the store's: this only retries.
 * @returns one final receipt per outcome; a `failed` one means retrying ended (or the error was not transient).
 */
export async function storeOutcomesRetrying(
  store: TaskStore,
  workerId: string,
  outcomes: readonly TaskOutcome[],
  options: StoreRetryOptions = {},
): Promise<Map<string, OutcomeReceipt>> {
  const final = new Map<string, OutcomeReceipt>();
  const backoff = new Backoff({ what: "store task outcomes", signal: options.until, maxElapsedMs: options.until ? Infinity : options.maxElapsedMs });
  const max = Math.max(1, store.capabilities.maxBatchSize);
  let todo = outcomes;
  for (;;) {
    const again: TaskOutcome[] = [];
    let lastError: unknown;
    for (let i = 0; i < todo.length; i += max) {
      const batch = todo.length <= max ? todo : todo.slice(i, i + max);
      let receipts: Map<string, OutcomeReceipt>;
      try {
        receipts = await store.storeOutcomes(workerId, batch);
      } catch (error) {
        const failed: OutcomeReceipt = { kind: "failed", error, transient: store.isTransient(error) };
        receipts = new Map(batch.map((o) => [o.id, failed]));
      }
      // The busy worker's case, once per batch: a first call that settled every outcome is the
      // answer as it is (no second map of receipts to build and throw away).
      if (batch === outcomes && receipts.size === batch.length && batch.every((o) => isFinal(receipts.get(o.id)))) return receipts;
      for (const o of batch) {
        const receipt = receipts.get(o.id) ?? { kind: "failed", error: new Error(`the store returned no receipt for task ${o.id}`), transient: false };
        final.set(o.id, receipt);
        if (receipt.kind === "failed" && receipt.transient) {
          again.push(o);
          lastError = receipt.error;
        }
      }
    }
    if (again.length === 0 || backoff.exhausted) return final;
    await backoff.wait(lastError);
    todo = again;
  }
}

/** A receipt that needs no retry: stored, refused, or failed for good. */
function isFinal(receipt: OutcomeReceipt | undefined): boolean {
  return receipt !== undefined && !(receipt.kind === "failed" && receipt.transient);
}
