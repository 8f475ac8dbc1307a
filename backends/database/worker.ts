import { logger } from "../../src/logger.js";
import { registeredTasks } from "../../src/registry.js";
import type { TaskResult } from "../../src/task-result.js";
import type { DatabaseBackend } from "./database-backend.js";
import { CompletionBatcher } from "./completion-batcher.js";
import { executeClaimed, type ExecuteOptions } from "./execute-claimed.js";
import { installExitHook } from "./exit-hook.js";
import { startLeaseKeeper } from "./lease-keeper.js";
import { TaskListener } from "./notify.js";
import { claimTasks } from "./queries/claim.js";
import type { QueryContext, RawRow } from "./queries/context.js";
import { releaseTasks } from "./queries/lease.js";
import { recoverOwnTasks } from "./queries/recover.js";
import { resolveDatabaseBackend } from "./resolve-backend.js";
import { withDatabaseRetry } from "./transient.js";
import { checkOptions, defaultWorkerId, type WorkerExitReason, type WorkerOptions, type WorkerSummary } from "./worker-options.js";
import { UnrunnableWarning } from "./unrunnable-warning.js";
import { storableText } from "../../src/task-error.js";

/** On stop, once no task function runs, how long outcomes still unstored get before the worker gives up on them. */
const FINAL_STORE_WAIT_MS = 10_000;

export { defaultWorkerId, type WorkerExitReason, type WorkerOptions, type WorkerSummary } from "./worker-options.js";

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
  /** How many tasks have left {@link #running} (stored, or given up): a drain check compares it across a claim. */
  #settled = 0;
  /** The task name of each id in {@link #running}, for the exit hook's line. */
  readonly #names = new Map<string, string>();
  /** The tasks whose function is running now: the ones that hold a concurrency slot. */
  readonly #executing = new Set<string>();
  /** How many ended tasks may wait for their outcome to be stored before claiming pauses. */
  readonly #maxStoring: number;
  /** Claimed (leased to this worker) but not started yet: the prefetch buffer. */
  readonly #buffer: RawRow[] = [];
  readonly #abort = new AbortController();
  /** Aborted by the first stop(): ends database retries (connecting, claiming) so a worker whose database is down still stops at once. */
  readonly #stopRetries = new AbortController();
  /** Aborted when the worker gives up storing outcomes: on stop, {@link FINAL_STORE_WAIT_MS} after the last task function ended. */
  readonly #stopStoring = new AbortController();
  #noteDatabaseError: (error: unknown) => void = () => undefined;
  #stopping = false;
  #batcher: CompletionBatcher | undefined;
  #executeOptions: ExecuteOptions | undefined;
  #wakeSleeper: (() => void) | undefined;
  /** A wake-up that came while the loop was not sleeping: the next sleep returns at once. */
  #wakePending = false;
  #stats = { processed: 0, succeeded: 0, failed: 0, retried: 0, interrupted: 0 };

  /**
   * @throws RangeError for an invalid numeric option or worker id.
   * @throws InvalidTaskBackendError when the backend alias is unknown or not a DatabaseBackend.
   */
  constructor(options: WorkerOptions = {}) {
    checkOptions(options);
    this.#options = { intervalMs: 1000, maxTasks: 0, batch: false, concurrency: 1, shutdownTimeoutMs: 30_000, prefetch: 0, ...options };
    this.#backend = resolveDatabaseBackend(options.backend);
    // Stored in every attempt's record: no NUL or invalid Unicode, which PostgreSQL would refuse.
    this.id = storableText(options.workerId ?? defaultWorkerId());
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
    const keeper = startLeaseKeeper({
      ctx,
      workerId: this.id,
      leaseMs: this.#backend.leaseMs,
      recoveryIntervalMs: o.recoveryIntervalMs ?? Math.min(5000, Math.floor(this.#backend.leaseMs / 2)),
      held: () => [...this.#running.keys(), ...this.#buffer.map((row) => String(row.id))],
      onRecovered: () => this.#wake(),
    });
    const timers = keeper.timers;
    this.#noteDatabaseError = keeper.noteDatabaseError;
    const removeExitHook = installExitHook(this.id, () => [...this.#names]);
    const unrunnable = new UnrunnableWarning(ctx, this.id, this.#taskNames, this.#queues, o.excludeQueues);
    await unrunnable.check(true);
    const batcher = (this.#batcher = new CompletionBatcher(this.#backend, ctx, this.id, this.#stopStoring.signal));
    // One options object for every task this worker runs (nothing to allocate per task).
    this.#executeOptions = {
      workerId: this.id,
      shutdownSignal: this.#abort.signal,
      store: (taskId, at, completion) => batcher.complete(taskId, at, completion),
      onEnded: (taskId) => {
        if (this.#executing.delete(taskId)) this.#wake();
      },
      onInterrupted: () => this.#stats.interrupted++,
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
        // A claim that runs while an outcome is being stored skips that row (it is locked), so a
        // retry stored meanwhile is only seen by the next claim: drained needs a claim that began
        // after the last task settled.
        const settledBeforeClaim = this.#settled;
        if (wantClaim) {
          const limit = Math.min(room, maxLeft);
          let rows: RawRow[];
          try {
            rows = await withDatabaseRetry(
              () =>
                claimTasks(ctx, { workerId: this.id, taskNames: this.#taskNames, queues: this.#queues, excludeQueues: o.excludeQueues, limit, now: new Date(), leaseMs: this.#backend.leaseMs }).catch((error: unknown) => {
                  this.#noteDatabaseError(error);
                  throw error;
                }),
              { what: "claim tasks", signal: this.#stopRetries.signal },
            );
          } catch (error) {
            if (this.#stopping) break; // stopped while the database was unreachable
            throw error;
          }
          claimed = rows.length;
          if (claimed === 0) await unrunnable.check();
          claimedTotal += claimed;
          for (const row of rows) this.#buffer.push(row);
          this.#startBuffered(ctx);
          if (claimed > 0 && claimed === limit) continue; // there may be more
        }
        if (o.batch && claimed === 0 && this.#running.size === 0 && this.#buffer.length === 0 && settledBeforeClaim === this.#settled) {
          reason = "drained";
          break;
        }
        if (claimed === 0 && settledBeforeClaim !== this.#settled) continue; // look again at once
        // Sleep until a slot frees, a task is enqueued (NOTIFY), the poll interval passes, or stop().
        const slotBound = this.#executing.size >= o.concurrency || storeBound || (o.batch && this.#running.size > 0) || maxLeft <= 0;
        await this.#sleep(slotBound ? Infinity : o.intervalMs);
      }
      await this.#releaseBuffered(ctx);
      await this.#drainRunning();
      await this.#takeBackOrphans(ctx);
    } finally {
      for (const t of timers) clearInterval(t);
      removeExitHook();
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
      await withDatabaseRetry(() => releaseTasks(ctx, this.id, ids), { what: "release prefetched tasks", maxElapsedMs: 10_000 });
      logger.info({ workerId: this.id, released: ids.length }, "returned prefetched tasks to READY");
    } catch (error) {
      logger.warn({ err: (error as Error).message, workerId: this.id, ids: ids.length }, "could not release prefetched tasks; they return when their lease expires");
    }
  }

  #start(ctx: QueryContext, row: RawRow): void {
    const id = String(row.id);
    this.#executing.add(id);
    this.#names.set(id, String(row.task_path));
    this.#running.set(id, this.#execute(ctx, row, id));
  }

  /** Runs one claimed row to its stored outcome; never rejects. */
  async #execute(ctx: QueryContext, row: RawRow, id: string): Promise<void> {
    try {
      const before = this.#stats.interrupted;
      const result = await executeClaimed(this.#backend, ctx, row, this.#executeOptions!);
      this.#count(result, this.#stats.interrupted !== before && result.status === "READY");
    } catch (error) {
      logger.error({ err: error, taskId: id, workerId: this.id }, "could not store a task's outcome; its lease will expire and it will run again");
    } finally {
      this.#executing.delete(id);
      this.#running.delete(id);
      this.#names.delete(id);
      this.#settled++;
      this.#wake();
    }
  }

  #count(result: TaskResult<unknown>, interrupted: boolean): void {
    this.#stats.processed++;
    if (result.status === "SUCCESSFUL") this.#stats.succeeded++;
    else if (result.status === "FAILED") this.#stats.failed++;
    else if (result.status === "READY" && !interrupted) this.#stats.retried++;
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
    // Once no task function runs, outcomes still unstored (the database is down) get a last bounded
    // wait; then the worker gives up on them, names them, and exits: their leases expire.
    let giveUp: NodeJS.Timeout | undefined;
    const watch = setInterval(() => {
      if (this.#executing.size > 0 || giveUp) return;
      giveUp = setTimeout(() => {
        if (this.#running.size === 0) return;
        logger.error(
          { workerId: this.id, unstored: [...this.#running.keys()], waitedMs: FINAL_STORE_WAIT_MS },
          "stopping with task outcomes not stored (database unreachable): these tasks stay RUNNING until their lease expires, then run again",
        );
        this.#stopStoring.abort();
      }, FINAL_STORE_WAIT_MS);
    }, 100);
    try {
      await all;
    } finally {
      clearTimeout(timer);
      clearInterval(watch);
      clearTimeout(giveUp);
    }
  }

  /**
   * On a clean exit: rows still RUNNING under this worker's id are in flight no more (an outcome it
   * could not store, a claim whose answer was lost). Taken back now, like recovery would after their
   * lease, so a clean exit leaves nothing RUNNING; left to their lease if the database is down.
   */
  async #takeBackOrphans(ctx: QueryContext): Promise<void> {
    try {
      const r = await withDatabaseRetry(() => recoverOwnTasks(ctx, this.id), { what: "take back orphaned tasks", maxElapsedMs: 2_000 });
      const ids = [...r.retried, ...r.failed];
      if (ids.length > 0) logger.warn({ workerId: this.id, retried: r.retried, failed: r.failed }, "took back this worker's tasks whose outcome was not stored");
    } catch (error) {
      logger.warn({ err: (error as Error).message, workerId: this.id }, "could not take back orphaned tasks; their leases will expire");
    }
  }
}
