import { registeredTasks } from "../registry.js";
import type { Task } from "../task.js";
import type { QueueStatusCount, RunningTaskInfo } from "./store.js";
import { resolveStoreBackend } from "./resolve-store-backend.js";

/** What `errand status` shows. */
export interface StatusReport {
  backend: string;
  /** Task counts per queue and status. */
  counts: QueueStatusCount[];
  /** READY tasks due now. */
  pending: number;
  /** READY tasks whose name no known task has (they wait for a worker that defines them), per name, sorted by name. */
  unrunnable: { taskPath: string; count: number }[];
  /** RUNNING tasks with their worker and lease (at most 50). */
  running: RunningTaskInfo[];
  /** Paused queues (`errand queues pause`), sorted: workers claim none of their tasks. */
  paused: string[];
}

/**
 * Counts by status and queue, RUNNING tasks with their leases, and READY tasks no known task can run.
 * @param options.backend - the backend alias (a backend with a store). @defaultValue `"default"`
 * @param options.tasks - the tasks workers run. @defaultValue every task defined in this process
 * @throws InvalidTaskBackendError when the backend has no store.
 */
export async function getStatusReport(options: { backend?: string; tasks?: readonly Task<any, any, any>[] } = {}): Promise<StatusReport> {
  const backend = resolveStoreBackend(options.backend);
  const store = backend.taskStore;
  await store.open();
  const names = [...new Set((options.tasks ?? registeredTasks()).map((t) => t.name))];
  const [counts, pending, perQueue, running, paused] = await Promise.all([
    store.countByQueueAndStatus(),
    store.countPending(null),
    store.countUnrunnable(names),
    store.listRunning(50),
    store.pausedQueues(),
  ]);
  // The store counts per name and queue (sorted by name); the report sums each name's queues.
  const unrunnable: { taskPath: string; count: number }[] = [];
  for (const r of perQueue) {
    const last = unrunnable.at(-1);
    if (last?.taskPath === r.taskPath) last.count += r.count;
    else unrunnable.push({ taskPath: r.taskPath, count: r.count });
  }
  return { backend: backend.alias, counts, pending, unrunnable, running, paused };
}
