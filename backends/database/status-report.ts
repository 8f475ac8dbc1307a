// Moved to src/worker/ (issue 13); kept so imports of this path keep working until every caller uses errand/worker.
export * from "../../src/worker/status-report.js";
