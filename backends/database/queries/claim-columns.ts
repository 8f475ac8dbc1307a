/**
 * What every SQLite/MySQL claim reads of a row it takes (the plain claim in claim.ts and the limited
 * one in claim-limited.ts alike): what a running task's result needs, nothing more; and the order in
 * which claims take READY rows (the claim index's order).
 */
export const CLAIMED_COLUMNS =
  "id, task_path, queue_name, backend_name, priority, status, args, errors, worker_ids, attempts, max_attempts, enqueued_at, run_after, available_at, started_at, last_attempted_at, scheduled_at, metadata, trace_context";

/** Higher priority first, then the earliest due, then the earliest enqueued. */
export const CLAIM_ORDER = "priority DESC, available_at, enqueued_at";
