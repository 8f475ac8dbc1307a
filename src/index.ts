/**
 * errand: background tasks for TypeScript in the shape of Django 6's `django.tasks`.
 * This entry point has no database, HTTP or cloud dependency; backends live under `errand/backends/*`.
 */
// First, so that an unsupported Node.js fails with one clear message before anything else loads.
import "./node-version.js";
export { task, Task, type TaskOptions, type TaskOverrides } from "./task.js";
export { MAX_UNIQUE_KEY_LENGTH, type UniqueOptions, type UniqueConflict } from "./unique-options.js";
export { checkQueueLimits, concurrencyKeyOf, type QueueLimitOptions, type TaskConcurrency } from "./limits.js";
export { TaskResult, type TaskResultState } from "./task-result.js";
export { TaskResultStatus, TASK_RESULT_STATUSES, FINISHED_STATUSES, isTaskResultStatus } from "./task-result-status.js";
export type { TaskContext } from "./task-context.js";
export { createTaskContext, type CreateTaskContextOptions } from "./create-task-context.js";
export { toTaskMetadata, progressOf, type TaskMetadata } from "./task-metadata.js";
export { type TaskError, toTaskError } from "./task-error.js";
export {
  BaseTaskBackend,
  type TaskBackendParams,
  type TaskBackendClass,
  type BuiltinBackendName,
} from "./backends/base.js";
export {
  configureTasks,
  taskBackends,
  TASKS,
  TaskBackendHandler,
  registerBackendClass,
  defineConfig,
  DEFAULT_TASKS_CONFIG,
  type TasksConfig,
  type ErrandConfig,
} from "./config.js";
/**
 * tsyringe's global container, re-exported: importing it from errand guarantees the
 * `reflect-metadata` polyfill tsyringe needs is loaded first (importing "tsyringe" before any
 * "reflect-metadata" import throws "tsyringe requires a reflect polyfill").
 */
export { container } from "tsyringe";
export { Signal, taskEnqueued, taskStarted, taskFinished, type TaskSignalPayload, type SignalReceiver } from "./signals.js";
export {
  ErrandError,
  InvalidTaskError,
  InvalidTaskBackendError,
  TaskResultDoesNotExistError,
  TaskResultMismatchError,
  NotSupportedError,
  TaskTimeoutError,
  TaskCancelledError,
  WorkerLostError,
  TaskResultWaitTimeoutError,
  MissingPeerError,
  InvalidOptionError,
  TaskNotRegisteredError,
  TaskLeaseLostError,
} from "./errors.js";
export {
  DEFAULT_TASK_BACKEND_ALIAS,
  DEFAULT_TASK_QUEUE_NAME,
  DEFAULT_TASK_PRIORITY,
  TASK_MIN_PRIORITY,
  TASK_MAX_PRIORITY,
  MAX_NAME_LENGTH,
} from "./constants.js";
export { toJsonValue, toJsonArgs, type JsonValue } from "./json.js";
export { MIN_NODE_VERSION, UnsupportedNodeError } from "./node-version.js";
export { exponentialBackoff, type Backoff, type BackoffFunction, type ExponentialBackoffOptions } from "./backoff.js";
export { getRegisteredTask, registeredTasks } from "./registry.js";
export { logger, setLogger } from "./logger.js";
export {
  beginAttempt,
  endAttempt,
  invokeTask,
  sendStarted,
  sendFinished,
  type AttemptOutcome,
  type InvokeOptions,
} from "./execution.js";
export { applyTaskResultState, taskResultState, copyTaskResult, readyTaskResult } from "./task-result.js";
