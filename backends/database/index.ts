import "reflect-metadata"; // before anything loads tsyringe, whichever errand entry point comes first
export { DatabaseBackend } from "./database-backend.js";
export { type DatabaseBackendOptions, DATABASE_DEFAULTS } from "./options.js";
export { DBTaskResult, createTaskResultEntity, type DBTaskResultRow } from "./entity.js";
export { migrationsFor as errandMigrations, type ErrandMigration } from "./migrations/index.js";
export { Worker, defaultWorkerId, type WorkerOptions, type WorkerSummary, type WorkerExitReason } from "./worker.js";
export { processOneTask, processTasks, getPendingTaskCount, runTaskById, type ProcessOptions, type RunByIdOptions } from "./process.js";
export { purgeCompletedTasks, type PurgeOptions, type PurgeSummary } from "./purge.js";
export { getStatusReport, type StatusReport } from "./status-report.js";
export { isTransientDatabaseError } from "./transient.js";
export { createTasksApp, bearerToken, TASKS_APP_DEFAULTS, type TasksAppOptions, type AuthHook, type TasksAppAuth, type TasksAppEnv } from "../../http/index.js";
