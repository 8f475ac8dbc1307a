/**
 * The store port: everything the one Worker, the programmatic API (`processTasks`, `runTaskById`,
 * …), the CLI and the HTTP/admin faces need from the place tasks are kept (DESIGN §5). A store
 * (SQL on any dialect, Redis through BullMQ, the tests' in-memory toy) implements
 * {@link TaskStore}; everything above it is written once.
 *
 * Why these methods: they are exactly the operations the database worker, `process.ts`,
 * `purge.ts`, `status-report.ts`, `execute-claimed.ts`, the completion batcher and the HTTP/admin
 * routes performed in SQL when the port was drawn, one method per operation, with rows decoded
 * into typed records ({@link TaskRecord}) at the store's boundary. Enqueueing stays
 * `BaseTaskBackend.enqueue` (the public API); cancellation (`cancel`, `cancelledAmong`,
 * `watchCancellations`) came with issue 17. Limits and paused queues (DESIGN §7) are
 * {@link ClaimRequest.limits}, {@link StoreCapabilities.limits} and the pause methods.
 *
 * What a store must guarantee (the conformance suite, `test/worker/store-suite.ts`, checks it):
 * - **Exactly-once claims.** Concurrent `claim`/`claimById` calls, from any number of processes
 *   and hosts the store supports, never hand the same READY task to two claimers; a claim
 *   atomically makes the task RUNNING, counts the attempt, appends the worker id and sets the
 *   lease.
 * - **Fencing.** Every write about a running task (`storeOutcomes`, `renewLeases`, `release`, `saveMetadata`)
 *   takes effect only while the task is RUNNING and locked by the given worker id. Every way out
 *   of RUNNING clears the lock, so a worker whose lease was taken back cannot overwrite the task
 *   another worker now runs.
 * - **One clock for deadlines.** Due times and lease deadlines are compared and computed with
 *   the store's own clock (the database's on PostgreSQL) so hosts with skewed clocks agree; the
 *   worker passes durations (`leaseMs`, `retryDelayMs`, `finishedMoreThanMsAgo`), never
 *   deadlines. Facts about an attempt that the caller already reported to the user (when it
 *   ended) are stored as given, so a refresh reads what the worker returned; a purge window
 *   (`finishedMoreThanMsAgo`, store clock) is therefore off by the hosts' skew, which is harmless
 *   at the scale of days. {@link StoreCapabilities.clock} says which clock a store uses.
 * - **Cancellation.** `cancel` moves a READY or RUNNING task to CANCELLED in one atomic step and
 *   clears its lock, so (by the fencing above) the running worker's late outcome is refused; a
 *   CANCELLED task is never claimed again.
 * - **No silent loss.** A READY task stays READY until claimed, cancelled or purged-never (purges
 *   touch only finished tasks); a RUNNING task whose lease expires is taken back by
 *   `recoverExpired`, never left RUNNING.
 * - **Errors.** Methods reject only for real failures (connection loss, a broken schema), never
 *   for "nothing to do": no task, an unknown id and a lost fence are ordinary results.
 *   `isTransient` tells the worker which rejections to retry with back-off.
 *
 * Units: every duration is in milliseconds; every `Date` is a UTC instant.
 */
import type { BackoffFunction } from "../backoff.js";
import type { JsonValue } from "../json.js";
import type { TaskMetadata } from "../task-metadata.js";
import type { QueueLimitOptions } from "../limits.js";
import type { Task } from "../task.js";
import type { TaskError } from "../task-error.js";
import type { TaskResultStatus } from "../task-result-status.js";
import type { SlotStore } from "./slot-store.js";
import type {
  Claimed,
  FilterChoices,
  FinishedMinute,
  PurgeFilter,
  QueueStatusCount,
  RunningTaskInfo,
  StatusCounts,
  TaskFilter,
  TaskListQuery,
  TaskPage,
  TaskRecord,
  UnrunnableCount,
} from "./task-record.js";

export type * from "./task-record.js";
export type { SlotStore } from "./slot-store.js";

/** What a store declares about itself, so the worker adapts without asking which store it is. */
export interface StoreCapabilities {
  /**
   * Whether {@link TaskStore.watch} delivers wake-ups when work is added (PostgreSQL LISTEN/NOTIFY,
   * Redis pub/sub). Without it the worker polls every `intervalMs`.
   */
  readonly supportsNotify: boolean;
  /**
   * Whose clock decides due times and lease deadlines: `"store"` (the database server's: safe
   * across hosts with skewed clocks) or `"host"` (the clock of the process calling the store, as on
   * SQLite, where every caller is on one host).
   */
  readonly clock: "store" | "host";
  /** The most outcomes one {@link TaskStore.storeOutcomes} call should carry (larger batches are split by the caller). */
  readonly maxBatchSize: number;
  /**
   * Which {@link ClaimRequest.limits} {@link TaskStore.claim} enforces: `tasks` (task concurrency,
   * per key) and `queues` (queue concurrency and rate limits). A worker refuses to start with limits
   * its store cannot enforce.
   */
  readonly limits: { readonly tasks: boolean; readonly queues: boolean };
  /**
   * Whether {@link TaskStore.watchCancellations} announces cancellations of running tasks as they
   * happen (PostgreSQL NOTIFY, Redis pub/sub). Without it (or while its connection is down) the
   * worker learns of them by asking {@link TaskStore.cancelledAmong} about its tasks every 250 ms
   * (every 2 s as a fallback where announcements exist). @defaultValue false
   */
  readonly supportsCancelNotify?: boolean;
}

/** What {@link TaskStore.cancel} did. */
export interface CancelOutcome {
  /** The task after the call (status CANCELLED when it is cancelled, by this call or before). */
  record: TaskRecord;
  /**
   * The status before the call: READY or RUNNING when this call cancelled it; any other status
   * means the task was left unchanged.
   */
  previousStatus: TaskResultStatus;
}

/**
 * Limits a claim must respect (DESIGN §7), counted across every claimer of the store: a task of a
 * limited name or queue is claimed only while the RUNNING tasks (and, for a rate limit, the
 * attempts started in the last `perMs`) leave room. Manual runs by id ({@link TaskStore.claimById})
 * are not limited.
 */
export interface ClaimLimits {
  /**
   * Per task name: most RUNNING at once; counted per stored concurrency key for tasks enqueued with
   * one (`task({ concurrency: { limit, key } })`), per name otherwise.
   */
  tasks: Readonly<Record<string, number>>;
  /** Per queue name: its concurrency and rate limit (backend OPTIONS `queues`). */
  queues: Readonly<Record<string, QueueLimitOptions>>;
}

/** What to claim, and for whom. */
export interface ClaimRequest {
  /** The claimer, recorded as the lock holder and appended to `workerIds` (at most 64 characters). */
  workerId: string;
  /** Only tasks with these names (the ones the claimer can run); empty claims nothing. */
  taskNames: readonly string[];
  /** Only these queues; `null` for any. */
  queues: readonly string[] | null;
  /** Never these queues (applied after `queues`). */
  excludeQueues: readonly string[];
  /** At most this many tasks, >= 0 (0 claims nothing). */
  limit: number;
  /** Lease length in milliseconds, counted from the claim on the store's clock. */
  leaseMs: number;
  /**
   * Limits to enforce inside the claim; absent when none apply, so the store takes its unlimited
   * (fastest) path. Paused queues are not here: the worker excludes them (`excludeQueues`).
   */
  limits?: ClaimLimits;
  /**
   * How many of the claimer's ended attempts still wait for their outcome to be stored (queued or
   * being stored). A store whose stored outcomes bring the claimer's next tasks with them (BullMQ's
   * `fetchNext`) takes that many fewer itself, so that a claim does not race the completions that
   * would have brought its tasks for free; other stores ignore it. Absent: 0.
   */
  pendingOutcomes?: number;
}

/** Which task to claim by id (the `execute/` endpoint, `runTaskById`, the admin's Run/Retry). */
export interface ClaimByIdRequest {
  id: string;
  workerId: string;
  /**
   * Also claim a FAILED task (a manual retry): its finish time is cleared and, when it has used
   * all its attempts, it gets one more. Its earlier errors stay.
   */
  allowRetry: boolean;
  leaseMs: number;
}

/** How an attempt ended, as the store records it. */
export type AttemptRecord =
  /** Finished: the return value is stored (or, on a store that keeps no successes, the task is deleted). */
  | { status: "SUCCESSFUL"; returnValue: JsonValue }
  /** Finished with no attempt left: `errors` is the full list, the new record last. */
  | { status: "FAILED"; errors: TaskError[] }
  /** Back to READY, due `retryDelayMs` after the store records it (store clock); `errors` as for FAILED. */
  | { status: "RETRY"; errors: TaskError[]; retryDelayMs: number };

/** The outcome of one attempt of task `id`. */
export type TaskOutcome = AttemptRecord & {
  id: string;
  /** When the attempt ended (the worker's clock): stored as `finishedAt` for SUCCESSFUL and FAILED, as the in-memory result already shows it. */
  endedAt: Date;
};

/** What became of one outcome handed to {@link TaskStore.storeOutcomes}. */
export type OutcomeReceipt =
  /** Stored. */
  | { kind: "stored" }
  /** Not stored, and never will be: the task is no longer RUNNING under this worker (its lease was taken back). */
  | { kind: "refused" }
  /** Not stored because of an error; `transient` says whether trying again may work. */
  | { kind: "failed"; error: unknown; transient: boolean };

/** What a pass of {@link TaskStore.recoverExpired} did. */
export interface RecoveryResult {
  /** Tasks returned to READY (due now) with a `WorkerLostError` record: they had attempts left. */
  retried: string[];
  /** Tasks made FAILED with a `WorkerLostError` record: they had no attempt left. */
  failed: string[];
}

/**
 * Called when work may have arrived: with the queue name of a new due task, or with no argument
 * when the store cannot say (its notification connection came back, so some were missed).
 * Must not throw; it should only schedule a claim.
 */
export type WakeListener = (queueName?: string) => void;

/** Stops a subscription; resolves once its resources are released. Safe to call twice. */
export type Disposer = () => Promise<void>;

/**
 * The store port (see the design note at the top of this file). Implemented by the database
 * store (every dialect), the BullMQ store and the tests' in-memory store.
 */
export interface TaskStore {
  readonly capabilities: StoreCapabilities;

  /**
   * Periodic slots (DESIGN §6), on stores that keep them: what a Worker's scheduler and
   * `errand schedules` use. `undefined` on a store without them: its workers do not schedule.
   */
  readonly slots?: SlotStore;

  // ---- the worker side -------------------------------------------------------------------

  /**
   * Makes the store usable: connects and, where the backend is configured to, migrates. The worker
   * retries it while {@link isTransient} says so. Idempotent.
   * @throws the connection error when the store cannot be reached.
   */
  open(): Promise<void>;

  /**
   * Claims up to `limit` due READY tasks for `workerId`, in claim order: priority descending, then
   * due time (`availableAt`) ascending, then `enqueuedAt` ascending. Each becomes RUNNING, locked
   * by `workerId` until `leaseMs` from now (store clock), with `attempts + 1`, `workerId` appended
   * to `workerIds`, `lastAttemptedAt` now and `startedAt` now when it was `null`. Exactly once
   * across concurrent claimers (see the design note).
   * @returns the claimed tasks in claim order (fewer than `limit`, or none, when fewer are due).
   */
  claim(request: ClaimRequest): Promise<Claimed[]>;

  /**
   * Claims one task by id whatever its due time, as {@link claim} does, if it is READY (or FAILED
   * with `allowRetry`).
   * @returns the claimed task, or `undefined` when no task has this id or it is in another status.
   */
  claimById(request: ClaimByIdRequest): Promise<Claimed | undefined>;

  /**
   * Records the outcomes of attempts of `workerId`, fenced per task: an outcome is stored only if
   * its task is still RUNNING and locked by `workerId`; storing clears the lock. One outcome that
   * cannot be stored never keeps the others from being stored.
   * @returns one receipt per given id (every id is present).
   */
  storeOutcomes(workerId: string, outcomes: readonly TaskOutcome[]): Promise<Map<string, OutcomeReceipt>>;

  /**
   * Extends to `leaseMs` from now (store clock) the leases of exactly the tasks `ids` that are
   * still RUNNING under `workerId` (the worker's running and prefetched tasks); no other task's.
   * @returns the ids renewed (an id missing: the lease was already taken back).
   */
  renewLeases(workerId: string, ids: readonly string[], leaseMs: number): Promise<Set<string>>;

  /**
   * Hands tasks of `workerId` back on shutdown: READY, due now, unlocked, and the interrupted
   * attempt not counted: `attempts - 1` and its entry (the last) removed from `workerIds`, so
   * `attempts`, `workerIds.length` and the next attempt's `context.attempt` agree. Fenced like
   * {@link storeOutcomes}.
   * @returns the ids released.
   */
  release(workerId: string, ids: readonly string[]): Promise<string[]>;

  /**
   * Replaces the metadata of task `id` with `metadata` (a validated JSON object) while it is
   * RUNNING and locked by `workerId` (`context.saveMetadata()`); nothing else changes. The
   * metadata then stays with the task through retries, releases, recovery and its outcome.
   * @returns whether it was stored (`false`: the task is not held by `workerId` any more).
   */
  saveMetadata(workerId: string, id: string, metadata: TaskMetadata): Promise<boolean>;

  /**
   * Takes back RUNNING tasks whose lease expired (store clock), at most `limit` per call: each gets
   * a `WorkerLostError` record naming the lost worker; with attempts left it becomes READY (due
   * now), otherwise FAILED (finished now). Safe to run from many workers at once: a task is taken
   * back once, and a lease renewed meanwhile is left alone.
   * @param limit - most tasks per call. @defaultValue 500
   */
  recoverExpired(limit?: number): Promise<RecoveryResult>;

  /**
   * On a worker's clean exit: takes back the RUNNING tasks still locked by `workerId`, whatever
   * their lease (none is in flight any more: outcomes it could not store, a claim whose answer was
   * lost), as {@link recoverExpired} would after their lease, with a `WorkerLostError` record saying
   * the attempt may have run. So a clean exit leaves nothing RUNNING.
   * @param limit - most tasks per call. @defaultValue 500
   */
  recoverOwn(workerId: string, limit?: number): Promise<RecoveryResult>;

  /**
   * Subscribes to wake-ups (see {@link StoreCapabilities.supportsNotify}): `listener` runs when a
   * due task may have been added. A store without notifications resolves a disposer that does
   * nothing and never calls `listener` (the worker polls). Connection losses are the store's to
   * retry; they never reject the promise once it has resolved.
   */
  watch(listener: WakeListener): Promise<Disposer>;

  // ---- cancellation (DESIGN §7) ---------------------------------------------------------

  /**
   * Cancels task `id` in one atomic step: a READY task (due or not) becomes CANCELLED and is never
   * claimed; a RUNNING one becomes CANCELLED with its lock and lease cleared, so its worker's
   * outcome, renewal and release are refused from then on (fencing), and the store announces it to
   * {@link watchCancellations} subscribers where it can. `finishedAt` is now (store clock), and
   * `TaskResult.wait()` waiters are woken as for any finish. Any other status is left unchanged.
   * @returns what it did, or `undefined` when no task has this id.
   */
  cancel(id: string): Promise<CancelOutcome | undefined>;

  /** Which of `ids` are CANCELLED now: how a worker learns that its running or prefetched tasks were cancelled. */
  cancelledAmong(ids: readonly string[]): Promise<Set<string>>;

  /**
   * Subscribes to cancellations of RUNNING tasks (see {@link StoreCapabilities.supportsCancelNotify}):
   * `listener` gets the id of each, in every process subscribed. Optional: a store without it
   * leaves workers to {@link cancelledAmong}. Connection losses are the store's to retry.
   */
  watchCancellations?(listener: (id: string) => void): Promise<Disposer>;

  /** Whether an error this store threw is worth retrying (connection loss, restart, lock contention). */
  isTransient(error: unknown): boolean;

  // ---- paused queues (DESIGN §7) ----------------------------------------------------------

  /**
   * Pauses queue `name` (known or not yet): workers stop claiming its tasks (within a second: they
   * re-read the paused list at most once a second); RUNNING tasks go on. Idempotent. Wakes workers
   * on stores with notifications.
   */
  pauseQueue(name: string): Promise<void>;

  /** Resumes queue `name`, waking workers on stores with notifications. Idempotent. */
  resumeQueue(name: string): Promise<void>;

  /** The paused queues, sorted. */
  pausedQueues(): Promise<string[]>;

  // ---- counts for the worker and `errand status` -----------------------------------------

  /** The READY tasks that are due now (store clock), in `queues` (`null`: all). */
  countPending(queues: readonly string[] | null): Promise<number>;

  /**
   * READY tasks per name and queue, for the names not in `knownNames`, sorted by name then queue;
   * only in `queues` (`null`: all) and not in `excludeQueues` (a worker's warning looks at its own queues).
   */
  countUnrunnable(knownNames: readonly string[], queues?: readonly string[] | null, excludeQueues?: readonly string[]): Promise<UnrunnableCount[]>;

  /** Every task counted by queue and status, sorted by queue then status. */
  countByQueueAndStatus(): Promise<QueueStatusCount[]>;

  /** RUNNING tasks, oldest attempt first, at most `limit`. */
  listRunning(limit: number): Promise<RunningTaskInfo[]>;

  // ---- the read side, for the HTTP endpoints and the admin page ---------------------------

  /** The task with this id, or `undefined` (also for ids that cannot exist, such as `""`). */
  get(id: string): Promise<TaskRecord | undefined>;

  /** A page of tasks matching the query's filters, newest first (see {@link TaskListQuery}). */
  list(query: TaskListQuery): Promise<TaskPage>;

  /** How many tasks match `filter` (the admin's page count). */
  count(filter: TaskFilter): Promise<number>;

  /** Counts by status in one pass; `queueName` narrows it to one queue. */
  statusCounts(queueName?: string): Promise<StatusCounts>;

  /**
   * Tasks that finished (SUCCESSFUL or FAILED, by `finishedAt`) in the last `sinceMs` milliseconds
   * (store clock), counted per UTC minute, oldest minute first; minutes with none are left out. Tasks
   * already purged (or, on a store that keeps no successes, deleted) are not counted. For the admin
   * dashboard: at most one row per minute, so its cost is bounded by the window, not the table.
   */
  finishedPerMinute(sinceMs: number): Promise<FinishedMinute[]>;

  /** The distinct queues, backend aliases and task names, each sorted and at most `limit` long. */
  filterChoices(limit: number): Promise<FilterChoices>;

  /**
   * Moves FAILED tasks back to READY, due now, with one more attempt when they have used all of
   * theirs; their errors stay. Other statuses are left alone.
   * @returns the ids moved.
   */
  retry(ids: readonly string[]): Promise<string[]>;

  /** How many finished tasks match `filter` (a purge's dry run). */
  countPurgeable(filter: PurgeFilter): Promise<number>;

  /**
   * Deletes up to `batchSize` (>= 1) finished tasks matching `filter`, in one step; READY and
   * RUNNING tasks are never touched. Callers loop until fewer than `batchSize` are deleted.
   * @returns how many were deleted.
   */
  purgeBatch(filter: PurgeFilter, batchSize: number): Promise<number>;
}

/**
 * What the worker needs from a backend whose tasks it runs: its store plus the per-task attempt
 * policy, which belongs to the backend's OPTIONS rather than to the store.
 */
export interface StoreBackend {
  /** The backend alias (for logs and `TaskResult.backend`). */
  readonly alias: string;
  /** Where the store keeps its data, for messages (`PostgreSQL at host:port/db`); never a password. */
  readonly location?: string;
  /** The backend's store. */
  readonly taskStore: TaskStore;
  /** Default lease length in milliseconds. */
  readonly leaseMs: number;
  /** Milliseconds an attempt of `task` may run, or `null` for no limit. */
  timeoutFor(task: Task<any, any, any>): number | null;
  /** The back-off function deciding when a failed attempt of `task` runs again. */
  backoffFor(task: Task<any, any, any>): BackoffFunction;
  /** Per-queue limits (OPTIONS `queues`), enforced by the store's claim. @defaultValue none */
  readonly queueLimits?: Readonly<Record<string, QueueLimitOptions>>;
}

/** Whether `backend` runs its tasks through a store (so a Worker can serve it). */
export function isStoreBackend(backend: unknown): backend is StoreBackend {
  const b = backend as Partial<StoreBackend> | null;
  return typeof b === "object" && b !== null && typeof b.taskStore === "object" && b.taskStore !== null && typeof b.timeoutFor === "function";
}
