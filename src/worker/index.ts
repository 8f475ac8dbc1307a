export { Worker } from "./worker.js";
export { defaultWorkerId } from "./worker-id.js";
export type { WorkerExitReason, WorkerOptions, WorkerSummary } from "./worker-options.js";
export { processOneTask, processTasks, getPendingTaskCount, runTaskById, type ProcessOptions, type RunByIdOptions } from "./process.js";
export { purgeCompletedTasks, type PurgeOptions, type PurgeSummary } from "./purge.js";
export { getStatusReport, type StatusReport } from "./status-report.js";
export { resolveStoreBackend } from "./resolve-store-backend.js";
export { isStoreBackend, type StoreBackend, type TaskStore } from "./store.js";
export type * from "./store.js";
