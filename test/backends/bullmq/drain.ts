/**
 * Runs every due task of a BullMQ backend instance that is not (or not only) in `taskBackends` (a
 * second connection, as another process would have) through the worker's own attempt path
 * (`executeClaimed`, what `processTasks` runs for a configured alias).
 */
import type { BullMQBackend } from "../../../backends/bullmq/index.js";
import { executeClaimed } from "../../../src/worker/execute-claimed.js";

/** Runs every due task of `taskNames` on `backend` until none is left; returns the ids run. */
export async function drainStore(backend: BullMQBackend, taskNames: readonly string[], workerId = "drain-worker"): Promise<string[]> {
  const ran: string[] = [];
  for (;;) {
    const [claimed] = await backend.taskStore.claim({ workerId, taskNames, queues: null, excludeQueues: [], limit: 1, leaseMs: backend.leaseMs });
    if (!claimed) return ran;
    ran.push(claimed.id);
    await executeClaimed(backend, claimed, { workerId });
  }
}
