import "reflect-metadata"; // before anything loads tsyringe, whichever errand entry point comes first
export { DatabaseBackend } from "./database-backend.js";
export { type DatabaseBackendOptions, DATABASE_DEFAULTS, DATABASE_OPTION_NAMES } from "./options.js";
export { DBTaskResult, createTaskResultEntity, type DBTaskResultRow } from "./entity.js";
export { migrationsFor as errandMigrations, type ErrandMigration } from "./migrations/index.js";
// The worker and the programmatic API live in errand/worker (src/worker/); re-exported here for 0.x.
export {
  Worker,
  defaultWorkerId,
  processOneTask,
  processTasks,
  getPendingTaskCount,
  runTaskById,
  purgeCompletedTasks,
  getStatusReport,
  type WorkerOptions,
  type WorkerSummary,
  type WorkerExitReason,
  type ProcessOptions,
  type RunByIdOptions,
  type PurgeOptions,
  type PurgeSummary,
  type StatusReport,
} from "../../src/worker/index.js";
export { isTransientDatabaseError } from "./transient.js";
export { createTasksApp, bearerToken, TASKS_APP_DEFAULTS, type TasksAppOptions, type AuthHook, type TasksAppAuth, type TasksAppEnv } from "../../http/index.js";
