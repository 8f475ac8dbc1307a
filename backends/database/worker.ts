import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { logger } from "../../src/logger.js";
import { registeredTasks } from "../../src/registry.js";
import type { Task } from "../../src/task.js";
import type { TaskResult } from "../../src/task-result.js";
import type { DatabaseBackend } from "./database-backend.js";
import { CompletionBatcher } from "./completion-batcher.js";
import { executeClaimed, type ExecuteOptions } from "./execute-claimed.js";
import { TaskListener } from "./notify.js";
import { claimTasks } from "./queries/claim.js";
import type { QueryContext, RawRow } from "./queries/context.js";
import { releaseTasks, renewLeases } from "./queries/lease.js";
import { recoverExpiredLeases } from "./queries/recover.js";
import { resolveDatabaseBackend } from "./resolve-backend.js";
import { withDatabaseRetry } from "./transient.js";

/** Options of a {@link Worker}. Durations in milliseconds. */
export interface WorkerOptions {
  /** The backend alias. @defaultValue `"default"` */
  backend?: string;
  /** The tasks this worker runs; it claims only these names. @defaultValue every task defined in the process */
  tasks?: readonly Task<any, any, any>[];
  /** Queues to take tasks from; `"*"` or `null` for all. @defaultValue `"*"` */
  queues?: readonly string[] | "*" | null;
  /** Queues never to take tasks from. @defaultValue `[]` */
  excludeQueues?: readonly string[];
  /** How long to sleep when no task is due before looking again. @defaultValue 1000 */
  intervalMs?: number;
  /** Stop after claiming this many tasks; 0 for no limit. @defaultValue 0 */
  maxTasks?: number;
  /** Exit once nothing is due (drain) instead of waiting for more. @defaultValue false */
  batch?: boolean;
  /** This worker's id, recorded in each attempt's `workerIds`. @defaultValue `<host>:<pid>:<random>` */
  workerId?: string;
  /**
   * Task functions run at once in this process. A slot frees when the function returns; its outcome
   * is then stored by the worker's group commit (the task stays RUNNING and leased until it is).
   * @defaultValue 1
   */
  concurrency?: number;
  /**
   * Tasks claimed ahead of free slots and held (leased) in a local buffer, so one claim statement
   * serves many tasks under heavy load. Trade-off: a task enqueued later with a higher priority waits
   * behind the buffered ones, and their `startedAt` is the claim time. @defaultValue 0
   */
  prefetch?: number;
  /** On stop, how long running tasks may finish before they are aborted and returned to READY. @defaultValue 30000 */
  shutdownTimeoutMs?: number;
  /** How often to look for tasks of dead workers (expired leases). @defaultValue min(5000, leaseMs / 2) */
  recoveryIntervalMs?: number;
}

/** Why a worker's `run()` returned. */
export type WorkerExitReason = "drained" | "max-tasks" | "stopped";

/** What a worker did, returned by `run()`. */
export interface WorkerSummary {
  reason: WorkerExitReason;
  processed: number;
  succeeded: number;
  failed: number;
  retried: number;
  durationMs: number;
}

/** A default worker id: host, pid and a random suffix, at most 64 characters. */
export function defaultWorkerId(): string {
  return `${hostname().slice(0, 40)}:${process.pid}:${randomBytes(3).toString("hex")}`;
}

/** Checks the numeric options of a worker. @throws RangeError naming the option. */
function checkOptions(o: WorkerOptions): void {
  const whole = (name: keyof WorkerOptions, min: number) => {
    const v = o[name];
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= min)) {
      throw new RangeError(`Worker option ${name} must be a whole number >= ${min}; got ${String(v)}.`);
    }
  };
  whole("concurrency", 1);
  whole("maxTasks", 0);
  whole("prefetch", 0);
  for (const name of ["intervalMs", "shutdownTimeoutMs", "recoveryIntervalMs"] as const) {
    const v = o[name];
    if (v !== undefined && !(typeof v === "number" && Number.isFinite(v) && v >= 0)) {
      throw new RangeError(`Worker option ${name} must be a number of milliseconds >= 0; got ${String(v)}.`);
    }
  }
  if (o.workerId !== undefined && !(typeof o.workerId === "string" && o.workerId.trim() !== "" && o.workerId.length <= 64)) {
    throw new RangeError(`Worker option workerId must be a non-empty string of at most 64 characters; got ${JSON.stringify(o.workerId)}.`);
  }
}

/**
 * Claims and runs tasks from a database backend: the engine behind `errand worker`. Runs up to
 * `concurrency` tasks at once, claiming as many as there are free slots in one statement; stores
 * outcomes many per statement (one statement in flight, the next taking all that ended meanwhile);
 * renews the leases of its tasks; takes back the tasks of dead workers; stops gracefully on `stop()`.
 *
 * @example
 * ```ts
 * const worker = new Worker({ tasks: [sendWelcomeEmail], concurrency: 4 });
 * process.once("SIGTERM", () => worker.stop());
 * const summary = await worker.run();
 * ```
 */
export class Worker {
  /** This worker's id. */
  readonly id: string;
  readonly #options: Required<Pick<WorkerOptions, "intervalMs" | "maxTasks" | "batch" | "concurrency" | "shutdownTimeoutMs" | "prefetch">> & WorkerOptions;
  readonly #backend: DatabaseBackend;
  readonly #taskNames: string[];
  readonly #queues: string[] | null;
  /** Every task started and not yet stored: running, or ended with its outcome being stored. */
  readonly #running = new Map<string, Promise<void>>();
  /** The tasks whose function is running now: the ones that hold a concurrency slot. */
  readonly #executing = new Set<string>();
  /** How many ended tasks may wait for their outcome to be stored before claiming pauses. */
  readonly #maxStoring: number;
  /** Claimed (leased to this worker) but not started yet: the prefetch buffer. */
  readonly #buffer: RawRow[] = [];
  readonly #abort = new AbortController();
  /** Aborted by the first stop(): ends database retries (connecting, claiming) so a worker whose database is down still stops at once. */
  readonly #stopRetries = new AbortController();
  #stopping = false;
  #batcher: CompletionBatcher | undefined;
  #executeOptions: ExecuteOptions | undefined;
  #wakeSleeper: (() => void) | undefined;
  /** A wake-up that came while the loop was not sleeping: the next sleep returns at once. */
  #wakePending = false;
  #stats = { processed: 0, succeeded: 0, failed: 0, retried: 0 };

  /**
   * @throws RangeError for an invalid numeric option or worker id.
   * @throws InvalidTaskBackendError when the backend alias is unknown or not a DatabaseBackend.
   */
  constructor(options: WorkerOptions = {}) {
    checkOptions(options);
    this.#options = { intervalMs: 1000, maxTasks: 0, batch: false, concurrency: 1, shutdownTimeoutMs: 30_000, prefetch: 0, ...options };
    this.#backend = resolveDatabaseBackend(options.backend);
    this.id = options.workerId ?? defaultWorkerId();
    this.#maxStoring = Math.max(500, this.#options.concurrency + this.#options.prefetch);
    this.#taskNames = [...new Set((options.tasks ?? registeredTasks()).map((t) => t.name))];
    this.#queues = !options.queues || options.queues === "*" || options.queues.includes("*") ? null : [...options.queues];
  }

  /** The task names this worker claims. */
  get taskNames(): readonly string[] {
    return this.#taskNames;
  }

  /** The number of tasks running now (not counting ended ones whose outcome is being stored). */
  get runningCount(): number {
    return this.#executing.size;
  }

  /**
   * Asks the worker to stop: it claims nothing more and lets running tasks finish for up to
   * `shutdownTimeoutMs`, then aborts them (their signals fire) and returns them to READY. A second
   * call aborts at once.
   */
  stop(): void {
    if (this.#stopping) {
      if (!this.#abort.signal.aborted) {
        logger.warn({ workerId: this.id, running: this.#running.size }, "second stop: aborting running tasks");
        this.#abort.abort(new Error("worker stopped"));
      }
      return;
    }
    this.#stopping = true;
    this.#stopRetries.abort();
    this.#wake();
  }

  /**
   * Runs until drained (`batch`), `maxTasks` claimed, or `stop()`. A database that is unreachable is
   * retried with back-off (and logged), never fatal.
   */
  async run(): Promise<WorkerSummary> {
    const started = performance.now();
    const o = this.#options;
    logger.info(
      { workerId: this.id, backend: this.#backend.alias, tasks: this.#taskNames, queues: this.#queues ?? "*", excludeQueues: o.excludeQueues ?? [], concurrency: o.concurrency, batch: o.batch },
      "worker starting",
    );
    if (this.#taskNames.length === 0) logger.warn({ workerId: this.id }, "worker knows no tasks: nothing will be claimed");
    let ctx: QueryContext;
    try {
      ctx = await withDatabaseRetry(() => this.#backend.queryContext(), { what: "connect to the database", signal: this.#stopRetries.signal });
    } catch (error) {
      if (!this.#stopping) throw error;
      logger.info({ workerId: this.id }, "worker stopped before the database was reachable");
      return { reason: "stopped", ...this.#stats, durationMs: Math.round(performance.now() - started) };
    }
    const timers = this.#startBackgroundWork(ctx);
    const batcher = (this.#batcher = new CompletionBatcher(this.#backend, ctx, this.id));
    // One options object for every task this worker runs (nothing to allocate per task).
    this.#executeOptions = {
      workerId: this.id,
      shutdownSignal: this.#abort.signal,
      store: (taskId, at, completion) => batcher.complete(taskId, at, completion),
      onEnded: (taskId) => {
        if (this.#executing.delete(taskId)) this.#wake();
      },
    };
    const listener = ctx.dialect.name === "postgresql" ? await this.#listen() : undefined;
    let reason: WorkerExitReason = "stopped";
    let claimedTotal = 0;
    try {
      while (!this.#stopping) {
        this.#startBuffered(ctx);
        const maxLeft = o.maxTasks > 0 ? o.maxTasks - claimedTotal : Infinity;
        if (maxLeft <= 0 && this.#buffer.length === 0) {
          reason = "max-tasks";
          break;
        }
        // Room: the free slots, plus what the prefetch buffer may hold. Refill when a slot is free or
        // the buffer has fallen to half, so one statement claims many tasks; hold off while too many
        // ended tasks wait for their outcome to be stored (the database is slower than the tasks).
        const executing = this.#executing.size;
        const storeBound = this.#running.size - executing >= this.#maxStoring;
        const room = o.concurrency - executing + o.prefetch - this.#buffer.length;
        const wantClaim = maxLeft > 0 && room > 0 && !storeBound && (executing < o.concurrency || this.#buffer.length <= o.prefetch / 2);
        let claimed = -1;
        if (wantClaim) {
          const limit = Math.min(room, maxLeft);
          let rows: RawRow[];
          try {
            rows = await withDatabaseRetry(
              () => claimTasks(ctx, { workerId: this.id, taskNames: this.#taskNames, queues: this.#queues, excludeQueues: o.excludeQueues, limit, now: new Date(), leaseMs: this.#backend.leaseMs }),
              { what: "claim tasks", signal: this.#stopRetries.signal },
            );
          } catch (error) {
            if (this.#stopping) break; // stopped while the database was unreachable
            throw error;
          }
          claimed = rows.length;
          claimedTotal += claimed;
          for (const row of rows) this.#buffer.push(row);
          this.#startBuffered(ctx);
          if (claimed > 0 && claimed === limit) continue; // there may be more
        }
        if (o.batch && claimed === 0 && this.#running.size === 0 && this.#buffer.length === 0) {
          reason = "drained";
          break;
        }
        // Sleep until a slot frees, a task is enqueued (NOTIFY), the poll interval passes, or stop().
        const slotBound = this.#executing.size >= o.concurrency || storeBound || (o.batch && this.#running.size > 0) || maxLeft <= 0;
        await this.#sleep(slotBound ? Infinity : o.intervalMs);
      }
      await this.#releaseBuffered(ctx);
      await this.#drainRunning();
    } finally {
      for (const t of timers) clearInterval(t);
      await listener?.close();
    }
    const summary: WorkerSummary = { reason, ...this.#stats, durationMs: Math.round(performance.now() - started) };
    logger.info({ workerId: this.id, ...summary }, "worker stopped");
    return summary;
  }

  /** LISTENs for enqueues (PostgreSQL) so an idle worker starts a new task within milliseconds. */
  async #listen(): Promise<TaskListener> {
    const listener = new TaskListener({
      orm: await this.#backend.getOrm(),
      channel: this.#backend.notifyChannel,
      name: this.id,
      onNotify: (queue) => {
        if (this.#servesQueue(queue)) this.#wake();
      },
      onReconnect: () => this.#wake(),
    });
    await listener.start();
    return listener;
  }

  #servesQueue(queue: string): boolean {
    if (this.#options.excludeQueues?.includes(queue)) return false;
    return this.#queues === null || this.#queues.includes(queue);
  }

  #startBuffered(ctx: QueryContext): void {
    while (this.#executing.size < this.#options.concurrency && this.#buffer.length > 0) this.#start(ctx, this.#buffer.shift()!);
  }

  /** On stop: tasks claimed but never started go straight back to READY (their attempt not counted). */
  async #releaseBuffered(ctx: QueryContext): Promise<void> {
    if (this.#buffer.length === 0) return;
    const ids = this.#buffer.splice(0).map((row) => String(row.id));
    try {
      await withDatabaseRetry(() => releaseTasks(ctx, this.id, ids, new Date()), { what: "release prefetched tasks", maxElapsedMs: 10_000 });
      logger.info({ workerId: this.id, released: ids.length }, "returned prefetched tasks to READY");
    } catch (error) {
      logger.warn({ err: (error as Error).message, workerId: this.id, ids: ids.length }, "could not release prefetched tasks; they return when their lease expires");
    }
  }

  #start(ctx: QueryContext, row: RawRow): void {
    const id = String(row.id);
    this.#executing.add(id);
    this.#running.set(id, this.#execute(ctx, row, id));
  }

  /** Runs one claimed row to its stored outcome; never rejects. */
  async #execute(ctx: QueryContext, row: RawRow, id: string): Promise<void> {
    try {
      this.#count(await executeClaimed(this.#backend, ctx, row, this.#executeOptions!));
    } catch (error) {
      logger.error({ err: error, taskId: id, workerId: this.id }, "could not store a task's outcome; its lease will expire and it will run again");
    } finally {
      this.#executing.delete(id);
      this.#running.delete(id);
      this.#wake();
    }
  }

  #count(result: TaskResult<unknown>): void {
    this.#stats.processed++;
    if (result.status === "SUCCESSFUL") this.#stats.succeeded++;
    else if (result.status === "FAILED") this.#stats.failed++;
    else if (result.status === "READY") this.#stats.retried++;
  }

  #wake(): void {
    if (this.#wakeSleeper) this.#wakeSleeper();
    else this.#wakePending = true;
  }

  #sleep(ms: number): Promise<void> {
    if (this.#wakePending) {
      this.#wakePending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = ms === Infinity ? undefined : setTimeout(done, ms);
      const self = this;
      function done() {
        if (timer) clearTimeout(timer);
        self.#wakeSleeper = undefined;
        resolve();
      }
      this.#wakeSleeper = done;
    });
  }

  async #drainRunning(): Promise<void> {
    if (this.#running.size === 0) return;
    logger.info({ workerId: this.id, running: this.#running.size, shutdownTimeoutMs: this.#options.shutdownTimeoutMs }, "waiting for running tasks to finish");
    const all = Promise.all(this.#running.values());
    if (!this.#stopping) return void (await all);
    const timer = setTimeout(() => {
      if (!this.#abort.signal.aborted) {
        logger.warn({ workerId: this.id, running: this.#running.size }, "shutdown timeout: aborting running tasks");
        this.#abort.abort(new Error("worker shutdown timeout"));
      }
    }, this.#options.shutdownTimeoutMs);
    try {
      await all;
    } finally {
      clearTimeout(timer);
    }
  }

  #startBackgroundWork(ctx: QueryContext): NodeJS.Timeout[] {
    const leaseMs = this.#backend.leaseMs;
    const heartbeat = setInterval(() => {
      if (this.#running.size === 0 && this.#buffer.length === 0) return;
      renewLeases(ctx, this.id, new Date(Date.now() + leaseMs)).catch((error: unknown) =>
        logger.warn({ err: (error as Error).message, workerId: this.id }, "could not renew leases; will try again"),
      );
    }, Math.max(250, Math.floor(leaseMs / 3)));
    const recovery = setInterval(() => {
      recoverExpiredLeases(ctx, new Date())
        .then((r) => {
          if (r.retried.length + r.failed.length > 0) {
            logger.warn({ workerId: this.id, retried: r.retried, failed: r.failed }, "took back tasks of a lost worker");
            this.#wake();
          }
        })
        .catch((error: unknown) => logger.warn({ err: (error as Error).message, workerId: this.id }, "lease recovery failed; will try again"));
    }, this.#options.recoveryIntervalMs ?? Math.min(5000, Math.floor(leaseMs / 2)));
    heartbeat.unref();
    recovery.unref();
    return [heartbeat, recovery];
  }
}
