import type { JsonValue } from "../json.js";
import type { TaskError } from "../task-error.js";
import type { TaskMetadata } from "../task-metadata.js";
import type { TaskResultStatus } from "../task-result-status.js";

/**
 * The values a store hands to the worker and the faces: rows decoded once, at the store's query
 * boundary, into typed fields (graphile-worker's `DbJob`), so nothing above the store casts
 * `String(row.x)`. Every `Date` is a UTC instant; every duration is in milliseconds.
 */

/** One stored task, decoded: what `TaskStore.get` returns. */
export interface TaskRecord {
  /** The task result id (at most 64 characters). */
  id: string;
  /** The task's name: its identity in storage (Django's `task_path`). */
  taskPath: string;
  queueName: string;
  /** The alias of the backend that enqueued it. */
  backendName: string;
  /** Higher runs first; an integer in [-100, 100]. */
  priority: number;
  status: TaskResultStatus;
  /** Positional arguments as stored. */
  args: JsonValue[];
  /** The return value once SUCCESSFUL, else `null`. */
  returnValue: JsonValue | null;
  /** One record per failed attempt, oldest first. */
  errors: TaskError[];
  /** The worker of each attempt, oldest first (a released attempt's entry is removed). */
  workerIds: string[];
  /** Attempts started and not released (a release on shutdown gives the attempt back); always `workerIds.length`. */
  attempts: number;
  /** Attempts allowed in total (1 = no retry). */
  maxAttempts: number;
  enqueuedAt: Date;
  /** The time the caller asked the task to run at, or `null` for "as soon as possible". */
  runAfter: Date | null;
  /** When the task is (or was) due: `runAfter ?? enqueuedAt`, moved forward by retries. */
  availableAt: Date;
  /** Start of the first attempt. */
  startedAt: Date | null;
  /** Start of the latest attempt. */
  lastAttemptedAt: Date | null;
  /** When it became SUCCESSFUL, FAILED or CANCELLED; `null` otherwise. */
  finishedAt: Date | null;
  /** The worker holding a RUNNING task; `null` in every other status. */
  lockedBy: string | null;
  /** When the holder's lease runs out (store clock); `null` unless RUNNING. */
  leaseExpiresAt: Date | null;
  /**
   * The fire time of the periodic slot that enqueued the task, or `null` (enqueued by a call).
   * Optional: a store without periodic slots (`SlotStore`) leaves it out, which means `null`.
   */
  scheduledAt?: Date | null;
  /**
   * The task's metadata (`context.metadata`, saved by `saveMetadata` or with an outcome), kept
   * across attempts. Optional: absent means `{}`.
   */
  metadata?: TaskMetadata;
  /**
   * The W3C trace context (`traceparent`, `tracestate`) of the enqueue's OpenTelemetry producer span,
   * or `null` (enqueued without `@opentelemetry/api` or outside a trace). Optional: a store that keeps
   * none leaves it out, which means `null`.
   */
  traceContext?: Record<string, string> | null;
}

/**
 * A task this worker has just claimed: RUNNING, locked by the claimer. The fields a claim sets or
 * cannot change (finish time, return value, lease deadline) are left out, so a store may return
 * fewer columns on its hot path.
 */
export type ClaimedRecord = Omit<TaskRecord, "status" | "returnValue" | "finishedAt" | "availableAt" | "lockedBy" | "leaseExpiresAt"> & {
  status: "RUNNING";
};

/**
 * A claimed task whose stored values cannot be decoded (a corrupt value written outside errand).
 * The worker fails it at once with the decode error appended to `errors`, rather than leaving it
 * RUNNING to be re-claimed after every lease.
 */
export interface UnreadableClaim {
  readonly unreadable: true;
  id: string;
  /** The name as stored (possibly `""` when even that is unreadable). */
  taskPath: string;
  /** The error records that could still be read (`[]` when none could). */
  errors: TaskError[];
  /** Why decoding failed. */
  cause: unknown;
}

/** What a claim yields per task. Tell the two apart with `"unreadable" in claim`. */
export type Claimed = ClaimedRecord | UnreadableClaim;

/** One line of a task list: no arguments, return value, errors or metadata (those can be large). */
export type TaskSummary = Pick<
  TaskRecord,
  "id" | "taskPath" | "queueName" | "backendName" | "priority" | "status" | "attempts" | "maxAttempts" | "enqueuedAt" | "availableAt" | "finishedAt"
> & {
  /** `metadata.progress` when it is a number in [0, 1] (the admin's progress bar), else `null`. Optional: absent means `null`. */
  progress?: number | null;
};

/** A RUNNING task with its holder and lease, for `errand status`. */
export type RunningTaskInfo = Pick<TaskRecord, "id" | "taskPath" | "queueName" | "lockedBy" | "leaseExpiresAt" | "lastAttemptedAt" | "attempts">;

/** Filters of a task list; every field is optional and they combine with AND. */
export interface TaskFilter {
  status?: TaskResultStatus;
  queueName?: string;
  backendName?: string;
  taskPath?: string;
  /** Case-insensitive: a task id that starts with this text, or a task name that contains it. */
  search?: string;
}

/**
 * A page request. Order: newest first (`enqueuedAt` descending, then `id` descending). Give
 * `cursor` (from the previous page's `nextCursor`: stable while tasks are added) or `offset` (the
 * admin's numbered pages); `cursor` wins when both are given.
 */
export interface TaskListQuery extends TaskFilter {
  /** Most items on the page, >= 1. */
  limit: number;
  /** Items to skip. @defaultValue 0 */
  offset?: number;
  /** An opaque cursor from {@link TaskPage.nextCursor}. */
  cursor?: string;
}

/** One page of a task list. */
export interface TaskPage {
  items: TaskSummary[];
  /** The cursor of the next page, or `null` when this page is the last. */
  nextCursor: string | null;
}

/** Task counts of one store (optionally one queue), for `GET status/` and the admin page. */
export interface StatusCounts {
  /** READY and due now (store clock). */
  pending: number;
  /** READY but not due yet (deferred, or waiting for a retry). */
  delayed: number;
  running: number;
  successful: number;
  failed: number;
  /** CANCELLED tasks (an errand extension). */
  cancelled: number;
  /** When the longest-waiting pending task became due, or `null` when none is pending. */
  oldestPendingSince: Date | null;
  /** When the most recently due pending task became due, or `null`. */
  newestPendingSince: Date | null;
}

/** The number of tasks with one status in one queue. */
export interface QueueStatusCount {
  queueName: string;
  status: TaskResultStatus;
  count: number;
}

/** READY tasks of one name that no worker of the caller's knows (the worker's warning). */
export interface UnrunnableCount {
  taskPath: string;
  queueName: string;
  count: number;
}

/** The distinct values the admin filters offer, each sorted and at most `limit` long. */
export interface FilterChoices {
  queues: string[];
  backends: string[];
  taskPaths: string[];
}

/** Tasks that finished in one minute (the admin dashboard's throughput chart). */
export interface FinishedMinute {
  /** The minute's start (UTC, whole minute). */
  minute: Date;
  /** Tasks that became SUCCESSFUL in it. */
  successful: number;
  /** Tasks that became FAILED in it (attempts that will be retried are not counted). */
  failed: number;
}
/** A finished status: what a purge may delete (CANCELLED is errand's extension). */
export type FinishedStatus = "SUCCESSFUL" | "FAILED" | "CANCELLED";

/** Which finished tasks a purge deletes. */
export interface PurgeFilter {
  /** Only tasks that finished more than this many milliseconds ago (store clock); 0 for all. */
  finishedMoreThanMsAgo: number;
  /** Among the finished statuses only: READY and RUNNING tasks are never purged. */
  statuses: readonly FinishedStatus[];
  queueName?: string;
  taskPath?: string;
}
