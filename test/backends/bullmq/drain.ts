/**
 * A minimal run loop over a store, for tests while the one Worker moves into src/worker/: claim one
 * due task at a time, run it through the shared status machine (src/execution.ts), store the
 * outcome (RETRY after the task's back-off while attempts remain), send the signals.
 */
import type { BullMQBackend } from "../../../backends/bullmq/index.js";
import { endAttempt, invokeTask, sendFinished, sendStarted } from "../../../src/execution.js";
import { recordToResult } from "../../../src/worker/record-to-result.js";
import type { TaskOutcome } from "../../../src/worker/store.js";

/** Runs every due task of `taskNames` on `backend` until none is left; returns the ids run. */
export async function drainStore(backend: BullMQBackend, taskNames: readonly string[], workerId = "drain-worker"): Promise<string[]> {
  const store = backend.taskStore;
  const sender = backend.constructor as typeof BullMQBackend;
  const ran: string[] = [];
  for (;;) {
    const [claimed] = await store.claim({ workerId, taskNames, queues: null, excludeQueues: [], limit: 1, leaseMs: backend.leaseMs });
    if (!claimed) return ran;
    ran.push(claimed.id);
    if ("unreadable" in claimed) {
      await store.storeOutcomes(workerId, [{ id: claimed.id, status: "FAILED", errors: claimed.errors, endedAt: new Date() }]);
      continue;
    }
    const result = recordToResult(claimed);
    sendStarted(sender, result);
    const outcome = await invokeTask(result, { timeoutMs: backend.timeoutFor(result.task), cloneArgs: false });
    const now = new Date();
    let retryDelayMs: number | null = null;
    if (outcome.error && claimed.attempts < claimed.maxAttempts) retryDelayMs = backend.backoffFor(result.task)(claimed.attempts, outcome.error);
    endAttempt(result, outcome, now, retryDelayMs === null ? null : new Date(now.getTime() + retryDelayMs));
    const stored: TaskOutcome =
      outcome.error === null ? { id: result.id, status: "SUCCESSFUL", returnValue: outcome.returnValue, endedAt: now }
      : retryDelayMs !== null ? { id: result.id, status: "RETRY", errors: [...result.errors], retryDelayMs, endedAt: now }
      : { id: result.id, status: "FAILED", errors: [...result.errors], endedAt: now };
    const receipt = (await store.storeOutcomes(workerId, [stored])).get(result.id);
    if (receipt?.kind !== "stored") throw new Error(`outcome of ${result.id} not stored: ${JSON.stringify(receipt)}`);
    if (result.isFinished) sendFinished(sender, result);
  }
}
