import { registeredTasks } from "../../src/registry.js";
import type { Task } from "../../src/task.js";
import { countByQueueAndStatus, countPending, countUnrunnable, listRunning, type RunningTask, type StatusCount } from "./queries/counts.js";
import { resolveDatabaseBackend } from "./resolve-backend.js";

/** What `errand status` shows. */
export interface StatusReport {
  backend: string;
  /** Task counts per queue and status. */
  counts: StatusCount[];
  /** READY tasks due now. */
  pending: number;
  /** READY tasks whose name no known task has (they wait for a worker that defines them). */
  unrunnable: { taskPath: string; count: number }[];
  /** RUNNING tasks with their worker and lease (at most 50). */
  running: RunningTask[];
}

/**
 * Counts by status and queue, RUNNING tasks with their leases, and READY tasks no known task can run.
 * @param options.tasks - the tasks workers run. @defaultValue every task defined in this process
 */
export async function getStatusReport(options: { backend?: string; tasks?: readonly Task<any, any, any>[] } = {}): Promise<StatusReport> {
  const backend = resolveDatabaseBackend(options.backend);
  const ctx = await backend.queryContext();
  const names = [...new Set((options.tasks ?? registeredTasks()).map((t) => t.name))];
  const [counts, pending, unrunnable, running] = await Promise.all([
    countByQueueAndStatus(ctx),
    countPending(ctx, new Date(), null),
    countUnrunnable(ctx, names),
    listRunning(ctx, 50),
  ]);
  return { backend: backend.alias, counts, pending, unrunnable, running };
}
