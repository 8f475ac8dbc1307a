import { TaskNotRegisteredError } from "../errors.js";
import { getRegisteredTask } from "../registry.js";
import { Task } from "../task.js";
import { TaskResult } from "../task-result.js";
import type { ClaimedRecord, TaskRecord } from "./task-record.js";

const placeholders = new Map<string, Task<any, any>>();

/**
 * The task a stored record names. A name this process has not defined still gets a task (so
 * results, `errand status` and the admin can show it), whose function throws when run.
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
        throw new TaskNotRegisteredError(name);
      },
      maxAttempts: null,
      backoff: null,
      timeout: null,
    });
    placeholders.set(name, placeholder);
  }
  return placeholder;
}

/**
 * Builds the {@link TaskResult} of a decoded record, for any store: the record's own enqueue
 * options (priority, queue, `runAfter`, backend) win over the task definition's. A claimed record
 * has no return value or finish time yet.
 */
export function recordToResult(record: TaskRecord | ClaimedRecord): TaskResult<unknown> {
  const base = taskForName(record.taskPath);
  const { priority, queueName, backendName: backend, runAfter } = record;
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
  const finished = "finishedAt" in record ? record : undefined;
  return new TaskResult({
    id: record.id,
    task,
    args: record.args,
    backend,
    scheduledAt: record.scheduledAt ?? null,
    status: record.status,
    enqueuedAt: record.enqueuedAt,
    startedAt: record.startedAt,
    lastAttemptedAt: record.lastAttemptedAt,
    finishedAt: finished?.finishedAt ?? null,
    errors: record.errors,
    workerIds: record.workerIds,
    returnValue: finished?.returnValue ?? null,
    metadata: record.metadata ?? {},
  });
}
