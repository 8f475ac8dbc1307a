/**
 * When a batch worker may exit (DESIGN §7): once a claim finds nothing and nothing runs. An empty
 * claim may only mean "held back" or "skipped": with limits, the rate limit's window is full or
 * other workers run the limited tasks; on any store with row locks, the claim's SKIP LOCKED passed
 * over due rows a concurrent statement held without taking them (a claim transaction that rolled
 * back, a worker releasing tasks, a write that examined them). Before exiting, a batch worker asks
 * (a non-locking count) whether due READY tasks it could run remain; if so it sleeps a poll
 * interval and claims again.
 */
import type { TaskStore } from "./store.js";

/** What the worker claims: its names and queues, and the queues it leaves alone (excluded, paused). */
export interface ClaimScope {
  taskNames: readonly string[];
  queues: readonly string[] | null;
  skipQueues: readonly string[];
}

/**
 * Whether due READY tasks remain that a worker with `scope` could run. Tasks of names no worker
 * knows are not counted (they are not waited for); when only those may remain the answer is
 * `false`, so a batch worker never waits for work it cannot do.
 */
export async function dueWorkRemains(store: TaskStore, scope: ClaimScope): Promise<boolean> {
  let queues = scope.queues;
  if (scope.skipQueues.length > 0) {
    const skip = new Set(scope.skipQueues);
    const candidates = queues ?? [...new Set((await store.countByQueueAndStatus()).filter((c) => c.status === "READY").map((c) => c.queueName))];
    queues = candidates.filter((q) => !skip.has(q));
    if (queues.length === 0) return false;
  }
  const pending = await store.countPending(queues);
  if (pending === 0) return false;
  const unrunnable = (await store.countUnrunnable(scope.taskNames, queues)).reduce((n, r) => n + r.count, 0);
  return pending > unrunnable;
}
