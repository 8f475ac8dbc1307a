import type { JsonValue } from "../../src/json.js";
import type { TaskError } from "../../src/task-error.js";
import { progressOf, type TaskMetadata } from "../../src/task-metadata.js";
import { parseTraceContext } from "../../src/telemetry/trace-context.js";
import { isTaskResultStatus, type TaskResultStatus } from "../../src/task-result-status.js";
import type { Claimed, ClaimedRecord, RunningTaskInfo, TaskRecord, TaskSummary } from "../../src/worker/task-record.js";
import type { Dialect } from "./dialect.js";
import type { RawRow } from "./queries/context.js";

/**
 * Rows of the task table decoded once, at the query boundary, into the store port's typed records
 * (graphile-worker's `DbJob`): nothing above `queries/` reads a snake_case column or casts
 * `String(row.x)`. Each function names the columns it needs; a value of the wrong shape throws
 * (a corrupt row written outside errand), which a claim turns into an {@link UnreadableClaim}.
 */

/** The text of a NOT NULL text column. */
export function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) throw new TypeError("Expected text, got NULL");
  return String(value);
}

/** A nullable text column. */
export function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** An integer column (drivers may return bigint or digit strings for counts). */
export function int(value: unknown): number {
  const n = typeof value === "number" ? value : Number(value ?? Number.NaN);
  if (!Number.isFinite(n)) throw new TypeError(`Expected a number, got ${JSON.stringify(String(value))}`);
  return n;
}

/** A count, where SQL `SUM` over no rows gives NULL. */
export function count(value: unknown): number {
  return value === null || value === undefined ? 0 : int(value);
}

function status(value: unknown): TaskResultStatus {
  if (!isTaskResultStatus(value)) throw new TypeError(`Unknown task status ${JSON.stringify(String(value))}`);
  return value;
}

function date(dialect: Dialect, value: unknown): Date {
  const d = dialect.fromDb(value);
  if (!d) throw new TypeError("Expected a timestamp, got NULL");
  return d;
}

function jsonArray<T>(dialect: Dialect, value: unknown): T[] {
  const parsed = dialect.jsonFromDb(value);
  if (parsed === null) return [];
  if (!Array.isArray(parsed)) throw new TypeError(`Expected a JSON array, got ${typeof parsed}`);
  return parsed as T[];
}

/** The `metadata` column: a JSON object; NULL (never saved, or not selected) is `{}`. */
function metadataObject(dialect: Dialect, value: unknown): TaskMetadata {
  const parsed = dialect.jsonFromDb(value);
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== "object" || Array.isArray(parsed)) throw new TypeError(`Expected the metadata to be a JSON object, got ${Array.isArray(parsed) ? "an array" : typeof parsed}`);
  return parsed as TaskMetadata;
}

/** A full row (`SELECT *`). @throws TypeError for a value of the wrong shape. */
export function decodeTask(row: RawRow, dialect: Dialect): TaskRecord {
  return {
    ...decodeClaimedFields(row, dialect, status(row.status)),
    returnValue: (dialect.jsonFromDb(row.return_value) as JsonValue | null) ?? null,
    availableAt: date(dialect, row.available_at),
    finishedAt: dialect.fromDb(row.finished_at),
    lockedBy: textOrNull(row.locked_by),
    leaseExpiresAt: dialect.fromDb(row.lease_expires_at),
  };
}

/**
 * What a claim set itself and so may leave out of the row it returns (PostgreSQL's RETURNING list):
 * the attempt's start (`last_attempted_at`; `started_at` too when NULL: a first attempt), no earlier
 * errors (`errors` NULL), and this worker alone (`worker_ids` NULL).
 */
export interface ClaimFill {
  /** The attempt's start, epoch milliseconds (the claimer's clock, as the claim stored it). */
  attemptedAtMs: number;
  workerId: string;
}

/**
 * The fields a claim returns, with `status` given, and with what `fill` knows in place of the columns
 * the claim left out (the raw row is not touched): one object literal, no spread, since a claim
 * decodes every row it takes (the worker's hot path).
 */
function decodeClaimedFields<S extends TaskResultStatus>(row: RawRow, dialect: Dialect, status: S, fill?: ClaimFill): Omit<ClaimedRecord, "status"> & { status: S } {
  const attemptedAt = fill ? new Date(fill.attemptedAtMs) : null;
  return {
    id: text(row.id),
    taskPath: text(row.task_path),
    queueName: text(row.queue_name),
    backendName: text(row.backend_name),
    priority: int(row.priority),
    args: jsonArray<JsonValue>(dialect, row.args),
    errors: jsonArray<TaskError>(dialect, row.errors),
    workerIds: fill && (row.worker_ids === null || row.worker_ids === undefined) ? [fill.workerId] : jsonArray<string>(dialect, row.worker_ids),
    attempts: int(row.attempts),
    maxAttempts: int(row.max_attempts),
    enqueuedAt: date(dialect, row.enqueued_at),
    runAfter: dialect.fromDb(row.run_after),
    startedAt: fill && (row.started_at === null || row.started_at === undefined) ? new Date(fill.attemptedAtMs) : dialect.fromDb(row.started_at),
    lastAttemptedAt: attemptedAt ?? dialect.fromDb(row.last_attempted_at),
    // Absent from a statement that does not select it: read as null (not scheduled).
    scheduledAt: dialect.fromDb(row.scheduled_at),
    metadata: metadataObject(dialect, row.metadata),
    // Never makes a claim unreadable: a malformed context only loses the trace link.
    traceContext: parseTraceContext(row.trace_context),
    status,
  };
}

/**
 * A row a claim returned. Never throws: a row that cannot be decoded becomes an `UnreadableClaim`
 * carrying the cause and whatever error records could still be read, so the worker fails it at once.
 */
export function decodeClaimed(row: RawRow, dialect: Dialect, fill?: ClaimFill): Claimed {
  try {
    return decodeClaimedFields(row, dialect, "RUNNING", fill);
  } catch (cause) {
    let errors: TaskError[] = [];
    try {
      errors = jsonArray<TaskError>(dialect, row.errors);
    } catch {
      // The error records are unreadable too: the decode error alone will be stored.
    }
    return { unreadable: true, id: String(row.id), taskPath: textOrNull(row.task_path) ?? "", errors, cause };
  }
}

/** A row of a task list (the columns of `TaskSummary`). */
export function decodeSummary(row: RawRow, dialect: Dialect): TaskSummary {
  return {
    id: text(row.id),
    taskPath: text(row.task_path),
    queueName: text(row.queue_name),
    backendName: text(row.backend_name),
    priority: int(row.priority),
    status: status(row.status),
    attempts: int(row.attempts),
    maxAttempts: int(row.max_attempts),
    enqueuedAt: date(dialect, row.enqueued_at),
    availableAt: date(dialect, row.available_at),
    finishedAt: dialect.fromDb(row.finished_at),
    progress: row.progress === null || row.progress === undefined ? null : progressOf({ progress: Number(row.progress) }),
  };
}

/** A RUNNING row for `errand status`. */
export function decodeRunning(row: RawRow, dialect: Dialect): RunningTaskInfo {
  return {
    id: text(row.id),
    taskPath: text(row.task_path),
    queueName: text(row.queue_name),
    lockedBy: textOrNull(row.locked_by),
    leaseExpiresAt: dialect.fromDb(row.lease_expires_at),
    lastAttemptedAt: dialect.fromDb(row.last_attempted_at),
    attempts: int(row.attempts),
  };
}

/** The ids a `RETURNING id` statement gave back. */
export function ids(rows: readonly RawRow[]): string[] {
  return rows.map((r) => text(r.id));
}
