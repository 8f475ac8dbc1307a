import { InvalidOptionError } from "../errors.js";
import type { FinishedStatus, PurgeFilter } from "./store.js";
import { resolveStoreBackend } from "./resolve-store-backend.js";

/** Options of {@link purgeCompletedTasks} (django-database-task's purge command). */
export interface PurgeOptions {
  /** Delete tasks finished more than this many days ago; 0 for all finished tasks. @defaultValue 0 */
  days?: number;
  /**
   * Which finished statuses (`"CANCELLED"` too, on request: errand's extension).
   * @defaultValue `["SUCCESSFUL", "FAILED"]`
   */
  statuses?: readonly FinishedStatus[];
  /** Tasks deleted per step (one statement on a database). @defaultValue 1000 */
  batchSize?: number;
  /** Count only; delete nothing. @defaultValue false */
  dryRun?: boolean;
  /** Only tasks of this queue. */
  queueName?: string;
  /** Only tasks with this name (`task_path`). */
  taskPath?: string;
  /** The backend alias (a backend with a store). @defaultValue `"default"` */
  backend?: string;
  /** Called after each batch with the running total (for progress bars). */
  onProgress?: (deleted: number, total: number) => void;
}

/** What a purge did. */
export interface PurgeSummary {
  /** Tasks that matched. */
  matched: number;
  /** Tasks deleted (0 on a dry run). */
  deleted: number;
  dryRun: boolean;
}

/**
 * Deletes finished tasks in batches (django-database-task's `purge_completed_database_tasks`). READY
 * and RUNNING tasks are never touched.
 * @throws InvalidOptionError naming the option for negative `days`, a `batchSize` < 1, or a status
 *   other than SUCCESSFUL/FAILED/CANCELLED.
 * @throws InvalidTaskBackendError when the backend has no store.
 */
export async function purgeCompletedTasks(options: PurgeOptions = {}): Promise<PurgeSummary> {
  const days = options.days ?? 0;
  const batchSize = options.batchSize ?? 1000;
  const statuses = options.statuses ?? ["SUCCESSFUL", "FAILED"];
  if (!(typeof days === "number" && Number.isFinite(days) && days >= 0)) throw new InvalidOptionError("days", `days must be a number >= 0; got ${String(days)}.`);
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new InvalidOptionError("batchSize", `batchSize must be a whole number >= 1; got ${String(batchSize)}.`);
  if (statuses.length === 0 || statuses.some((s) => s !== "SUCCESSFUL" && s !== "FAILED" && s !== "CANCELLED")) {
    throw new InvalidOptionError("statuses", `statuses must be SUCCESSFUL, FAILED and/or CANCELLED (READY and RUNNING tasks are never purged); got ${JSON.stringify(statuses)}.`);
  }
  const store = resolveStoreBackend(options.backend).taskStore;
  await store.open();
  const filter: PurgeFilter = {
    finishedMoreThanMsAgo: days * 86_400_000,
    statuses,
    ...(options.queueName !== undefined && { queueName: options.queueName }),
    ...(options.taskPath !== undefined && { taskPath: options.taskPath }),
  };
  const matched = await store.countPurgeable(filter);
  if (options.dryRun || matched === 0) return { matched, deleted: 0, dryRun: options.dryRun ?? false };
  let deleted = 0;
  for (;;) {
    const n = await store.purgeBatch(filter, batchSize);
    deleted += n;
    options.onProgress?.(deleted, matched);
    if (n < batchSize) break;
  }
  return { matched, deleted, dryRun: false };
}
