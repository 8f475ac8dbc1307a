import { TaskLeaseLostError } from "../errors.js";
import { logger } from "../logger.js";
import type { TaskMetadata } from "../task-metadata.js";
import { withRetry } from "./retry.js";
import { unstorableReason } from "./storable-json.js";
import type { StoreBackend } from "./store.js";

/** How long a `context.saveMetadata()` retries a store that is briefly unreachable before rejecting. */
const SAVE_RETRY_MS = 10_000;

/**
 * The `saveMetadata` of an attempt run by `workerId`: validated metadata goes to the store, fenced
 * by the worker's lock, retried while the store's errors are transient (for at most 10 s).
 *
 * Decision (a fenced write that is refused): `context.saveMetadata()` rejects with
 * {@link TaskLeaseLostError} rather than resolving with a warning, because the attempt has lost
 * the task (its lease was taken back, or it was handed back) and should stop: another worker may
 * run it now, and whatever this attempt writes or returns will not be stored.
 */
export function workerMetadataSaver(backend: StoreBackend, workerId: string, id: string): (metadata: TaskMetadata) => Promise<void> {
  const store = backend.taskStore;
  return async (metadata) => {
    const reason = unstorableReason(metadata);
    if (reason) throw new TypeError(`metadata cannot be stored: ${reason}. Store such text encoded (for example base64).`);
    const saved = await withRetry(() => store.saveMetadata(workerId, id, metadata), {
      what: "save task metadata",
      maxElapsedMs: SAVE_RETRY_MS,
      isTransient: (e) => store.isTransient(e),
    });
    if (!saved) throw TaskLeaseLostError.of(id, workerId);
  };
}

/**
 * Stores the metadata an attempt left unsaved (`outcome.metadata`) before its outcome, fenced like
 * it: one more write, called only for attempts that changed their metadata after their last save
 * (the caller checks, so an attempt without any costs no promise). A refusal
 * is left to the outcome's own fence (refused too, and logged there); an error is logged, and the
 * outcome is stored all the same (the metadata of an attempt is not worth losing its outcome for).
 */
export async function saveUnsavedMetadata(backend: StoreBackend, workerId: string, id: string, metadata: TaskMetadata): Promise<void> {
  try {
    const reason = unstorableReason(metadata);
    if (reason) throw new TypeError(`metadata cannot be stored: ${reason}`);
    const store = backend.taskStore;
    await withRetry(() => store.saveMetadata(workerId, id, metadata), { what: "save task metadata", maxElapsedMs: SAVE_RETRY_MS, isTransient: (e) => store.isTransient(e) });
  } catch (error) {
    logger.warn({ taskId: id, workerId, err: (error as Error).message }, "task metadata not stored with the outcome");
  }
}
