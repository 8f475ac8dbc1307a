import { InvalidOptionError, TaskNotRegisteredError, TaskResultDoesNotExistError } from "../errors.js";
import { getRegisteredTask, registeredTasks } from "../registry.js";
import type { Task } from "../task.js";
import type { TaskResult } from "../task-result.js";
import { claimLimitsFor } from "./claim-limits.js";
import { executeClaimed } from "./execute-claimed.js";
import { PausedQueues } from "./paused-queues.js";
import { resolveStoreBackend } from "./resolve-store-backend.js";
import { defaultWorkerId } from "./worker-id.js";

/** Options shared by the task-processing functions. */
export interface ProcessOptions {
  /** Only tasks of this queue. @defaultValue any queue */
  queueName?: string;
  /** The backend alias (a backend with a store, such as a DatabaseBackend). @defaultValue `"default"` */
  backend?: string;
  /** The tasks that may run. @defaultValue every task defined in this process */
  tasks?: readonly Task<any, any, any>[];
  /** The worker id recorded on the attempts. @defaultValue `<host>:<pid>:<random>` */
  workerId?: string;
}

/**
 * Claims and runs one due task, in this process (django-database-task's `process_one_task`).
 * @returns the result as stored after the attempt, or `null` when nothing is due.
 * @throws InvalidTaskBackendError when the backend has no store.
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
 * Respects the tasks' and queues' limits and skips paused queues, as the Worker does (DESIGN §7).
 * @throws InvalidOptionError when `maxTasks` is not a whole number >= 0, or when tasks or queues have
 *   limits the backend's store cannot enforce.
 * @throws InvalidTaskBackendError when the backend has no store.
 */
export async function processTasks(options: ProcessOptions & { maxTasks?: number } = {}): Promise<TaskResult<unknown>[]> {
  const maxTasks = options.maxTasks ?? 0;
  if (!(Number.isInteger(maxTasks) && maxTasks >= 0)) throw new InvalidOptionError("maxTasks", `maxTasks must be a whole number >= 0; got ${String(maxTasks)}.`);
  const backend = resolveStoreBackend(options.backend);
  const store = backend.taskStore;
  await store.open();
  const workerId = options.workerId ?? defaultWorkerId();
  const tasks = options.tasks ?? registeredTasks();
  const taskNames = [...new Set(tasks.map((t) => t.name))];
  const limits = claimLimitsFor(tasks, backend);
  const paused = new PausedQueues(store);
  // Without a long-running Worker (run/ driven by cron), nothing else takes back the tasks of a
  // process killed mid-task: do it here, before claiming, so they are never stranded RUNNING.
  await store.recoverExpired();
  const results: TaskResult<unknown>[] = [];
  while (maxTasks === 0 || results.length < maxTasks) {
    const [claimed] = await store.claim({
      workerId,
      taskNames,
      queues: options.queueName === undefined ? null : [options.queueName],
      excludeQueues: await paused.current(),
      limit: 1,
      leaseMs: backend.leaseMs,
      ...(limits && { limits }),
    });
    if (!claimed) break;
    results.push(await executeClaimed(backend, claimed, { workerId }));
  }
  return results;
}

/**
 * The number of READY tasks that are due now (django-database-task's `get_pending_task_count`).
 * @throws InvalidTaskBackendError when the backend has no store.
 */
export async function getPendingTaskCount(options: Pick<ProcessOptions, "queueName" | "backend"> = {}): Promise<number> {
  const store = resolveStoreBackend(options.backend).taskStore;
  await store.open();
  return store.countPending(options.queueName === undefined ? null : [options.queueName]);
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
 * @throws TaskNotRegisteredError when the task's name is not defined in this process (the task stays READY).
 * @throws InvalidTaskBackendError when the backend has no store.
 */
export async function runTaskById(id: string, options: RunByIdOptions = {}): Promise<TaskResult<unknown> | null> {
  const backend = resolveStoreBackend(options.backend);
  if (typeof id !== "string" || id === "" || id.length > 64) throw new TaskResultDoesNotExistError(String(id));
  const store = backend.taskStore;
  await store.open();
  const existing = await store.get(id);
  if (!existing) throw new TaskResultDoesNotExistError(id);
  if (!getRegisteredTask(existing.taskPath)) throw new TaskNotRegisteredError(existing.taskPath, id);
  if (existing.status === "RUNNING") await store.recoverExpired();
  const workerId = options.workerId ?? defaultWorkerId();
  const claimed = await store.claimById({ id, workerId, allowRetry: options.allowRetry ?? false, leaseMs: backend.leaseMs });
  if (!claimed) return null;
  return executeClaimed(backend, claimed, { workerId });
}
