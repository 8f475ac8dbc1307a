import { ErrandError, TaskResultDoesNotExistError } from "../../src/errors.js";
import { getRegisteredTask, registeredTasks } from "../../src/registry.js";
import type { Task } from "../../src/task.js";
import type { TaskResult } from "../../src/task-result.js";
import { executeClaimed } from "./execute-claimed.js";
import { claimTasks } from "./queries/claim.js";
import { claimTaskById } from "./queries/claim-by-id.js";
import { countPending } from "./queries/counts.js";
import { fetchTaskRow } from "./queries/fetch.js";
import { recoverExpiredLeases } from "./queries/recover.js";
import { resolveDatabaseBackend } from "./resolve-backend.js";
import { defaultWorkerId } from "./worker.js";

/** Options shared by the task-processing functions. */
export interface ProcessOptions {
  /** Only tasks of this queue. @defaultValue any queue */
  queueName?: string;
  /** The backend alias (a DatabaseBackend). @defaultValue `"default"` */
  backend?: string;
  /** The tasks that may run. @defaultValue every task defined in this process */
  tasks?: readonly Task<any, any, any>[];
  /** The worker id recorded on the attempts. @defaultValue `<host>:<pid>:<random>` */
  workerId?: string;
}

/**
 * Claims and runs one due task, in this process (django-database-task's `process_one_task`).
 * @returns the result as stored after the attempt, or `null` when nothing is due.
 * @throws InvalidTaskBackendError when the backend is not a DatabaseBackend.
 */
export async function processOneTask(options: ProcessOptions = {}): Promise<TaskResult<unknown> | null> {
  const [result] = await processTasks({ ...options, maxTasks: 1 });
  return result ?? null;
}

/**
 * Claims and runs due tasks one after another until none is due or `maxTasks` ran
 * (django-database-task's `process_tasks`). First takes back RUNNING tasks whose lease expired (their
 * process died), as the Worker does: they are due again, or FAILED when they had no attempts left.
 * @param options.maxTasks - the most tasks to run; 0 or absent for no limit.
 * @returns the results, in the order they ran.
 * @throws RangeError when `maxTasks` is not a whole number >= 0.
 */
export async function processTasks(options: ProcessOptions & { maxTasks?: number } = {}): Promise<TaskResult<unknown>[]> {
  const maxTasks = options.maxTasks ?? 0;
  if (!(Number.isInteger(maxTasks) && maxTasks >= 0)) throw new RangeError(`maxTasks must be a whole number >= 0; got ${String(maxTasks)}.`);
  const backend = resolveDatabaseBackend(options.backend);
  const ctx = await backend.queryContext();
  const workerId = options.workerId ?? defaultWorkerId();
  const taskNames = [...new Set((options.tasks ?? registeredTasks()).map((t) => t.name))];
  // Without a long-running Worker (run/ driven by cron), nothing else takes back the tasks of a
  // process killed mid-task: do it here, before claiming, so they are never stranded RUNNING.
  await recoverExpiredLeases(ctx, new Date());
  const results: TaskResult<unknown>[] = [];
  while (maxTasks === 0 || results.length < maxTasks) {
    const [row] = await claimTasks(ctx, {
      workerId,
      taskNames,
      queues: options.queueName === undefined ? null : [options.queueName],
      limit: 1,
      now: new Date(),
      leaseMs: backend.leaseMs,
    });
    if (!row) break;
    results.push(await executeClaimed(backend, ctx, row, { workerId }));
  }
  return results;
}

/**
 * The number of READY tasks that are due now (django-database-task's `get_pending_task_count`).
 * @throws InvalidTaskBackendError when the backend is not a DatabaseBackend.
 */
export async function getPendingTaskCount(options: Pick<ProcessOptions, "queueName" | "backend"> = {}): Promise<number> {
  const backend = resolveDatabaseBackend(options.backend);
  const ctx = await backend.queryContext();
  return countPending(ctx, new Date(), options.queueName === undefined ? null : [options.queueName]);
}

/** Options of {@link runTaskById}. */
export interface RunByIdOptions extends Pick<ProcessOptions, "backend" | "workerId"> {
  /** Also run a FAILED task again (one more attempt). @defaultValue false */
  allowRetry?: boolean;
}

/**
 * Runs one task by id now, whatever its due time (django-database-task's `run_task_by_id`; what the
 * HTTP execute endpoint and Cloud Tasks call).
 * A RUNNING task whose lease expired (its process died) is taken back first and then runs (with
 * `allowRetry`, even when that used its last attempt).
 * @returns the result after the attempt, or `null` when the task is not READY (nor FAILED with
 *   `allowRetry`): RUNNING elsewhere under a live lease, or already finished.
 * @throws TaskResultDoesNotExistError when no task has this id.
 * @throws ErrandError when the task's name is not defined in this process (the task stays READY).
 */
export async function runTaskById(id: string, options: RunByIdOptions = {}): Promise<TaskResult<unknown> | null> {
  const backend = resolveDatabaseBackend(options.backend);
  if (typeof id !== "string" || id === "" || id.length > 64) throw new TaskResultDoesNotExistError(String(id));
  const ctx = await backend.queryContext();
  const existing = await fetchTaskRow(ctx, id);
  if (!existing) throw new TaskResultDoesNotExistError(id);
  const name = String(existing.task_path);
  if (!getRegisteredTask(name)) {
    throw new ErrandError(`Task '${name}' (result ${id}) is not defined in this process: import the module that defines it.`);
  }
  if (existing.status === "RUNNING") await recoverExpiredLeases(ctx, new Date());
  const workerId = options.workerId ?? defaultWorkerId();
  const row = await claimTaskById(ctx, { id, workerId, allowRetry: options.allowRetry ?? false, now: new Date(), leaseMs: backend.leaseMs });
  if (!row) return null;
  return executeClaimed(backend, ctx, row, { workerId });
}
