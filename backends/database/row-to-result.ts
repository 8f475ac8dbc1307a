import { getRegisteredTask } from "../../src/registry.js";
import { Task } from "../../src/task.js";
import type { TaskError } from "../../src/task-error.js";
import { TaskResult } from "../../src/task-result.js";
import { isTaskResultStatus } from "../../src/task-result-status.js";
import type { JsonValue } from "../../src/json.js";
import type { Dialect } from "./dialect.js";
import type { RawRow } from "./queries/context.js";

const placeholders = new Map<string, Task<any, any>>();

/**
 * The task a stored row names. A name this process has not defined still gets a task (so results,
 * `errand status` and the admin can show it), whose function throws when run.
 */
export function taskForName(name: string): Task<any, any> {
  const registered = getRegisteredTask(name);
  if (registered) return registered;
  let placeholder = placeholders.get(name);
  if (!placeholder) {
    placeholder = new Task({
      name,
      priority: 0,
      queueName: "default",
      backend: "default",
      runAfter: null,
      takesContext: false,
      func: () => {
        throw new Error(`Task '${name}' is not defined in this process: import the module that defines it (or list it in errand.config's tasks).`);
      },
      maxAttempts: null,
      backoff: null,
      timeout: null,
    });
    placeholders.set(name, placeholder);
  }
  return placeholder;
}

/** Builds a {@link TaskResult} from a raw row of the task result table. */
export function rowToResult(row: RawRow, dialect: Dialect): TaskResult<unknown> {
  const base = taskForName(String(row.task_path));
  const runAfter = dialect.fromDb(row.run_after);
  const priority = Number(row.priority);
  const queueName = String(row.queue_name);
  const backend = String(row.backend_name);
  // The row's own enqueue options (priority, queue, runAfter, backend) win over the definition's.
  const task =
    base.priority === priority && base.queueName === queueName && base.backend === backend && runAfter === null
      ? base
      : new Task({
          name: base.name,
          priority,
          queueName,
          backend,
          runAfter,
          takesContext: base.takesContext,
          func: base.func,
          maxAttempts: base.maxAttempts,
          backoff: base.backoff,
          timeout: base.timeout,
        });
  const status = String(row.status);
  if (!isTaskResultStatus(status)) throw new Error(`Task result '${String(row.id)}' has an unknown status '${status}'.`);
  return new TaskResult({
    id: String(row.id),
    task,
    args: (dialect.jsonFromDb(row.args) as JsonValue[] | null) ?? [],
    backend,
    status,
    enqueuedAt: dialect.fromDb(row.enqueued_at),
    startedAt: dialect.fromDb(row.started_at),
    lastAttemptedAt: dialect.fromDb(row.last_attempted_at),
    finishedAt: dialect.fromDb(row.finished_at),
    errors: (dialect.jsonFromDb(row.errors) as TaskError[] | null) ?? [],
    workerIds: (dialect.jsonFromDb(row.worker_ids) as string[] | null) ?? [],
    returnValue: (dialect.jsonFromDb(row.return_value) as JsonValue | null) ?? null,
  });
}
