// Moved to src/worker/ (issue 13); kept so imports of this path keep working until every caller uses errand/worker.
export { Worker, defaultWorkerId, type WorkerOptions, type WorkerSummary, type WorkerExitReason } from "../../src/worker/worker.js";
