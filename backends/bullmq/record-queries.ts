/**
 * The store port's read side over decoded records, in the process (BullMQ has no secondary
 * indexes; see read-jobs.ts). Pure functions: the same answers the SQL store gives.
 */
import { progressOf } from "../../src/task-metadata.js";
import type {
  FilterChoices, PurgeFilter, QueueStatusCount, RunningTaskInfo, StatusCounts, TaskFilter, TaskListQuery, TaskPage, TaskRecord,
} from "../../src/worker/task-record.js";

/** Whether `t` passes `f` (search: an id prefix or a name substring, case-insensitive). */
export function matches(t: TaskRecord, f: TaskFilter): boolean {
  const s = f.search?.trim().toLowerCase();
  return (f.status === undefined || t.status === f.status) && (f.queueName === undefined || t.queueName === f.queueName) &&
    (f.backendName === undefined || t.backendName === f.backendName) && (f.taskPath === undefined || t.taskPath === f.taskPath) &&
    (!s || t.id.toLowerCase().startsWith(s) || t.taskPath.toLowerCase().includes(s));
}

const newestFirst = (a: TaskRecord, b: TaskRecord) => +b.enqueuedAt - +a.enqueuedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** A page, newest first, by cursor (`[enqueuedAt ms, id]`, base64url) or offset. */
export function pageOf(records: TaskRecord[], q: TaskListQuery): TaskPage {
  let rows = records.filter((t) => matches(t, q)).sort(newestFirst);
  if (q.cursor !== undefined) {
    const [ms, id] = decodeCursor(q.cursor);
    rows = rows.filter((t) => +t.enqueuedAt < ms || (+t.enqueuedAt === ms && t.id < id));
  } else rows = rows.slice(q.offset ?? 0);
  const items = rows.slice(0, q.limit).map(({ id, taskPath, queueName, backendName, priority, status, attempts, maxAttempts, enqueuedAt, availableAt, finishedAt, metadata }) =>
    ({ id, taskPath, queueName, backendName, priority, status, attempts, maxAttempts, enqueuedAt, availableAt, finishedAt, progress: progressOf(metadata) }));
  const last = items.at(-1);
  const nextCursor = rows.length > q.limit && last ? Buffer.from(JSON.stringify([+last.enqueuedAt, last.id])).toString("base64url") : null;
  return { items, nextCursor };
}

function decodeCursor(cursor: string): [number, string] {
  try {
    const [ms, id] = JSON.parse(Buffer.from(cursor, "base64url").toString()) as [unknown, unknown];
    if (typeof ms === "number" && typeof id === "string") return [ms, id];
  } catch {
    // fall through: an unreadable cursor starts from the top
  }
  return [Number.MAX_SAFE_INTEGER, ""];
}

/** Counts by status; `now` decides what is due. */
export function statusCountsOf(records: TaskRecord[], now: number): StatusCounts {
  const due = records.filter((t) => t.status === "READY" && +t.availableAt <= now).map((t) => +t.availableAt);
  const n = (status: string) => records.filter((t) => t.status === status).length;
  return {
    pending: due.length,
    delayed: n("READY") - due.length,
    running: n("RUNNING"),
    successful: n("SUCCESSFUL"),
    failed: n("FAILED"),
    cancelled: n("CANCELLED"),
    oldestPendingSince: due.length ? new Date(Math.min(...due)) : null,
    newestPendingSince: due.length ? new Date(Math.max(...due)) : null,
  };
}

/** Counts by queue and status, sorted. */
export function byQueueAndStatus(records: TaskRecord[]): QueueStatusCount[] {
  return groupCount(records, (t) => `${t.queueName}\u0000${t.status}`).map(([key, count]) => {
    const [queueName = "", status] = key.split("\u0000");
    return { queueName, status: status as TaskRecord["status"], count };
  });
}

/** RUNNING tasks, oldest attempt first. */
export function runningOf(records: TaskRecord[], limit: number): RunningTaskInfo[] {
  return records.filter((t) => t.status === "RUNNING").sort((a, b) => +(a.lastAttemptedAt ?? 0) - +(b.lastAttemptedAt ?? 0)).slice(0, limit)
    .map(({ id, taskPath, queueName, lockedBy, leaseExpiresAt, lastAttemptedAt, attempts }) => ({ id, taskPath, queueName, lockedBy, leaseExpiresAt, lastAttemptedAt, attempts }));
}

/** The distinct queues, backends and names, sorted, each at most `limit`. */
export function choicesOf(records: TaskRecord[], limit: number): FilterChoices {
  const distinct = (f: (t: TaskRecord) => string) => [...new Set(records.map(f))].sort().slice(0, limit);
  return { queues: distinct((t) => t.queueName), backends: distinct((t) => t.backendName), taskPaths: distinct((t) => t.taskPath) };
}

/** The finished tasks a purge with `f` deletes, oldest finish first. */
export function purgeableOf(records: TaskRecord[], f: PurgeFilter, now: number): TaskRecord[] {
  const statuses = new Set<string>(f.statuses);
  return records
    .filter((t) => statuses.has(t.status) && t.finishedAt !== null && +t.finishedAt < now - f.finishedMoreThanMsAgo &&
      (f.queueName === undefined || t.queueName === f.queueName) && (f.taskPath === undefined || t.taskPath === f.taskPath))
    .sort((a, b) => +a.finishedAt! - +b.finishedAt!);
}

function groupCount(rows: TaskRecord[], key: (t: TaskRecord) => string): [string, number][] {
  const counts = new Map<string, number>();
  for (const t of rows) counts.set(key(t), (counts.get(key(t)) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
