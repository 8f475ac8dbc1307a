import { logger } from "../logger.js";
import { registeredTasks } from "../registry.js";
import { storableText } from "../task-error.js";
import type { TaskResult } from "../task-result.js";
import { claimLimitsFor } from "./claim-limits.js";
import { maxStoringFor, planNext, type WorkerLoad } from "./claim-planner.js";
import { CompletionBatcher } from "./completion-batcher.js";
import { sendFinished, type SignalSender } from "../execution.js";
import { applyTaskResultState } from "../task-result.js";
import { TaskResultStatus } from "../task-result-status.js";
import { Cancellations, startCancelWatch, type CancelWatch } from "./cancellation.js";
import { executeClaimed, type ExecuteOptions } from "./execute-claimed.js";
import { loadOtel } from "../telemetry/otel-api.js";
import { observeQueues } from "../telemetry/queue-gauges.js";
import { recordToResult } from "./record-to-result.js";
import { installExitHook } from "./exit-hook.js";
import { startLeaseKeeper } from "./lease-keeper.js";
import { resolveStoreBackend } from "./resolve-store-backend.js";
import { withRetry } from "./retry.js";
import type { Schedule } from "../periodic/schedule.js";
import { schedulesFor, startScheduling, type RunningScheduler } from "./scheduling.js";
import { dueWorkRemains } from "./limited-drain.js";
import { PausedQueues } from "./paused-queues.js";
import { drainRunning, releaseBuffered, takeBackOrphans } from "./shutdown.js";
import type { Claimed, ClaimLimits, ClaimRequest, Disposer, StoreBackend, TaskStore } from "./store.js";
import { UnrunnableWarning } from "./unrunnable-warning.js";
import { Wake } from "./wake.js";
import { defaultWorkerId } from "./worker-id.js";
import { checkOptions, type WorkerExitReason, type WorkerOptions, type WorkerSummary } from "./worker-options.js";

export { defaultWorkerId } from "./worker-id.js";
export type { WorkerExitReason, WorkerOptions, WorkerSummary } from "./worker-options.js";

/**
 * Claims and runs tasks from a backend's store (a DatabaseBackend on any dialect, or any store
 * backend): the engine behind `errand worker`. Runs up to `concurrency` tasks at once, claiming as
 * many as there are free slots in one call; stores outcomes many per call (one call in flight, the
 * next taking all that ended meanwhile); renews the leases of its tasks; takes back the tasks of
 * dead workers; stops gracefully on `stop()`. The process's signals are the caller's (the CLI's).
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
  readonly #backend: StoreBackend;
  readonly #store: TaskStore;
  readonly #taskNames: string[];
  readonly #queues: string[] | null;
  /** The limits every claim carries (task and queue concurrency, rate limits), or `undefined` for none. */
  readonly #limits: ClaimLimits | undefined;
  /** The paused queues, excluded from claims. */
  readonly #paused: PausedQueues;
  /** Every task started and not yet stored: running, or ended with its outcome being stored. */
  readonly #running = new Map<string, Promise<void>>();
  /** How many tasks have left {@link #running} (stored, or given up); the loop compares it across a claim. */
  #settled = 0;
  /** The task name of each id in {@link #running}, for the exit hook's line. */
  readonly #names = new Map<string, string>();
  /** The tasks whose function is running now: the ones that hold a concurrency slot. */
  readonly #executing = new Set<string>();
  /** How many ended tasks may wait for their outcome to be stored before claiming pauses. */
  readonly #maxStoring: number;
  /** Claimed (leased to this worker) but not started yet: the prefetch buffer. */
  readonly #buffer: Claimed[] = [];
  readonly #abort = new AbortController();
  /** Aborted by the first stop(): ends store retries (connecting, claiming) so a worker whose store is down still stops at once. */
  readonly #stopRetries = new AbortController();
  /** Aborted when the worker gives up storing outcomes: on stop, a bounded wait after the last task function ended. */
  readonly #stopStoring = new AbortController();
  readonly #wake = new Wake();
  /** The running attempts a cancellation can abort (see cancellation.ts). */
  readonly #cancellations = new Cancellations();
  #noteStoreError: (error: unknown) => void = () => undefined;
  #stopping = false;
  #executeOptions: ExecuteOptions | undefined;
  /** The schedules this worker enqueues (its backend's, when scheduling). */
  readonly #schedules: Schedule[];
  #scheduler: RunningScheduler | undefined;
  #stats = { processed: 0, succeeded: 0, failed: 0, retried: 0, interrupted: 0, cancelled: 0 };

  /**
   * @throws InvalidOptionError for an invalid numeric option or worker id (naming the option).
   * @throws InvalidTaskBackendError when the backend alias is unknown or its backend has no store.
   * @throws InvalidScheduleError for an invalid `periodic` entry, naming it.
   * @throws InvalidOptionError when tasks or queues have limits the backend's store cannot enforce.
   */
  constructor(options: WorkerOptions = {}) {
    checkOptions(options);
    this.#options = { intervalMs: 1000, maxTasks: 0, batch: false, concurrency: 1, shutdownTimeoutMs: 30_000, prefetch: 0, ...options };
    this.#backend = resolveStoreBackend(options.backend);
    this.#store = this.#backend.taskStore;
    // Stored in every attempt's record: no NUL or invalid Unicode, which PostgreSQL would refuse.
    this.id = storableText(options.workerId ?? defaultWorkerId());
    this.#maxStoring = maxStoringFor(this.#options.concurrency, this.#options.prefetch);
    const tasks = options.tasks ?? registeredTasks();
    this.#taskNames = [...new Set(tasks.map((t) => t.name))];
    this.#limits = claimLimitsFor(tasks, this.#backend);
    this.#paused = new PausedQueues(this.#store);
    this.#queues = !options.queues || options.queues === "*" || options.queues.includes("*") ? null : [...options.queues];
    const scheduling = options.scheduling !== false && !this.#options.batch;
    this.#schedules = scheduling ? schedulesFor(options.periodic, this.#backend.alias) : [];
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
    void this.#scheduler?.stop();
    this.#wake.wake();
  }

  /**
   * Runs until drained (`batch`), `maxTasks` claimed, or `stop()`. A store that is unreachable is
   * retried with back-off (and logged), never fatal.
   * @throws the store's error when it is not transient (a missing table, a broken schema).
   */
  async run(): Promise<WorkerSummary> {
    const started = performance.now();
    const o = this.#options;
    const store = this.#store;
    const isTransient = (error: unknown) => store.isTransient(error);
    logger.info(
      { workerId: this.id, backend: this.#backend.alias, tasks: this.#taskNames, queues: this.#queues ?? "*", excludeQueues: o.excludeQueues ?? [], concurrency: o.concurrency, batch: o.batch },
      "worker starting",
    );
    if (this.#taskNames.length === 0) logger.warn({ workerId: this.id }, "worker knows no tasks: nothing will be claimed");
    try {
      await withRetry(() => store.open(), { what: "connect to the database", isTransient, signal: this.#stopRetries.signal });
    } catch (error) {
      if (!this.#stopping) throw error;
      logger.info({ workerId: this.id }, "worker stopped before the database was reachable");
      return { reason: "stopped", ...this.#stats, durationMs: Math.round(performance.now() - started) };
    }
    const keeper = startLeaseKeeper({
      store,
      workerId: this.id,
      leaseMs: this.#backend.leaseMs,
      recoveryIntervalMs: o.recoveryIntervalMs ?? Math.min(5000, Math.floor(this.#backend.leaseMs / 2)),
      held: () => [...this.#running.keys(), ...this.#buffer.map((claimed) => claimed.id)],
      onRecovered: () => this.#wake.wake(),
    });
    this.#noteStoreError = keeper.noteStoreError;
    // OpenTelemetry queue gauges (depth, oldest READY age) while this worker runs, when the API is installed.
    const otel = await loadOtel();
    const stopGauges = otel ? observeQueues(otel, store, this.#backend.alias) : undefined;
    const removeExitHook = installExitHook(this.id, () => [...this.#names]);
    let unwatch: Disposer | undefined;
    let cancelWatch: CancelWatch | undefined;
    let reason: WorkerExitReason = "stopped";
    try {
      const unrunnable = new UnrunnableWarning(store, this.id, this.#taskNames, this.#queues, o.excludeQueues);
      await unrunnable.check(true);
      const batcher = new CompletionBatcher(store, this.id, this.#stopStoring.signal);
      // One options object for every task this worker runs (nothing to allocate per task).
      this.#executeOptions = {
        workerId: this.id,
        shutdownSignal: this.#abort.signal,
        store: (outcome) => batcher.complete(outcome),
        onEnded: (taskId) => {
          if (this.#executing.delete(taskId)) this.#wake.wake();
        },
        onInterrupted: () => this.#stats.interrupted++,
        cancellations: this.#cancellations,
      };
      cancelWatch = startCancelWatch({
        store,
        workerId: this.id,
        held: () => [...this.#executing, ...this.#buffer.map((claimed) => claimed.id)],
        onCancelled: (id) => this.#onCancelled(id),
      });
      // Wake-ups from the store (PostgreSQL NOTIFY) start a new task within milliseconds; without
      // them the loop polls every intervalMs. No queue name: the store may have missed some.
      if (store.capabilities.supportsNotify) {
        unwatch = await store.watch((queue) => {
          this.#paused.invalidate(queue);
          if (queue === undefined || this.#servesQueue(queue)) this.#wake.wake();
        });
      }
      this.#startScheduling();
      reason = await this.#loop(unrunnable);
      await this.#scheduler?.stop();
      const ctx = { store, workerId: this.id, isTransient };
      await releaseBuffered(ctx, this.#buffer.splice(0).map((claimed) => claimed.id));
      await drainRunning({
        workerId: this.id,
        running: this.#running,
        executing: this.#executing,
        stopping: this.#stopping,
        shutdownTimeoutMs: o.shutdownTimeoutMs,
        abort: this.#abort,
        stopStoring: this.#stopStoring,
      });
      await takeBackOrphans(ctx);
    } finally {
      await this.#scheduler?.stop();
      keeper.stop();
      stopGauges?.();
      removeExitHook();
      await unwatch?.();
      await cancelWatch?.stop();
    }
    const summary: WorkerSummary = { reason, ...this.#stats, durationMs: Math.round(performance.now() - started) };
    logger.info({ workerId: this.id, ...summary }, "worker stopped");
    return summary;
  }

  #startScheduling(): void {
    if (this.#schedules.length === 0 || this.#stopping) return;
    const slots = this.#store.slots;
    if (!slots) {
      logger.warn({ workerId: this.id, backend: this.#backend.alias }, "periodic: this backend's store keeps no slots; its schedules are not run");
      return;
    }
    this.#scheduler = startScheduling({ schedules: this.#schedules, slots, workerId: this.id, onEnqueued: () => this.#wake.wake() });
  }

  /** The claim loop: start buffered tasks, ask the planner, claim or sleep, until it says exit. */
  async #loop(unrunnable: UnrunnableWarning): Promise<WorkerExitReason> {
    const o = this.#options;
    let claimedTotal = 0;
    let lastClaim: WorkerLoad["lastClaim"] = null;
    for (;;) {
      this.#startBuffered();
      const step = planNext({
        concurrency: o.concurrency,
        prefetch: o.prefetch,
        executing: this.#executing.size,
        buffered: this.#buffer.length,
        storing: this.#running.size - this.#executing.size,
        maxStoring: this.#maxStoring,
        claimsLeft: o.maxTasks > 0 ? o.maxTasks - claimedTotal : Infinity,
        stopping: this.#stopping,
        batch: o.batch,
        lastClaim,
      });
      if (step.kind === "exit") {
        // An empty claim does not prove the work is done: SKIP LOCKED passes over rows a concurrent
        // statement holds for a moment without taking them (a claim that rolls back, a worker
        // releasing tasks), and limits hold work back. A non-locking count decides (limited-drain.ts).
        if (step.reason === "drained" && (await this.#heldBack().catch((error: unknown) => {
          if (this.#stopping) return false; // stopped while the store was unreachable
          throw error;
        }))) {
          await this.#wake.sleep(o.intervalMs);
          lastClaim = null;
          continue;
        }
        return step.reason;
      }
      if (step.kind === "sleep") {
        // Until a slot frees, an outcome is stored, a task is enqueued (NOTIFY), the poll interval passes, or stop().
        await this.#wake.sleep(step.until === "woken" ? Infinity : o.intervalMs);
        lastClaim = null;
        continue;
      }
      const settledBefore = this.#settled;
      let claimed: Claimed[];
      try {
        claimed = await this.#claim(step.limit);
      } catch (error) {
        if (this.#stopping) return "stopped"; // stopped while the store was unreachable
        throw error;
      }
      if (claimed.length === 0) await unrunnable.check();
      claimedTotal += claimed.length;
      for (const c of claimed) this.#buffer.push(c);
      lastClaim = { limit: step.limit, claimed: claimed.length, settledDuring: this.#settled !== settledBefore };
    }
  }

  #claim(limit: number): Promise<Claimed[]> {
    const store = this.#store;
    const excludeQueues = this.#options.excludeQueues ?? [];
    const request: ClaimRequest = {
      workerId: this.id,
      taskNames: this.#taskNames,
      queues: this.#queues,
      excludeQueues,
      limit,
      leaseMs: this.#backend.leaseMs,
      ...(this.#limits && { limits: this.#limits }),
      pendingOutcomes: this.#running.size - this.#executing.size,
    };
    const claim = async (): Promise<Claimed[]> => {
      const paused = await this.#paused.current();
      return store.claim(paused.length === 0 ? request : { ...request, excludeQueues: [...excludeQueues, ...paused] });
    };
    return withRetry(
      () =>
        claim().catch((error: unknown) => {
          this.#noteStoreError(error);
          throw error;
        }),
      { what: "claim tasks", isTransient: (error) => store.isTransient(error), signal: this.#stopRetries.signal },
    );
  }

  /**
   * A task this worker holds was cancelled (the store already made it CANCELLED and dropped the
   * lock): a running attempt is aborted (execute-claimed.ts sends `taskFinished`); a prefetched one
   * is dropped from the buffer unstarted, and `taskFinished` is sent here. Other ids (another
   * worker's) are ignored.
   */
  #onCancelled(id: string): void {
    if (this.#cancellations.cancel(id)) return;
    const at = this.#buffer.findIndex((claimed) => claimed.id === id);
    if (at < 0) return;
    const [claimed] = this.#buffer.splice(at, 1);
    logger.info({ taskId: id, task: claimed!.taskPath, workerId: this.id }, "prefetched task cancelled; it will not run");
    if (!("unreadable" in claimed!)) {
      try {
        const result = recordToResult(claimed!);
        applyTaskResultState(result, { status: TaskResultStatus.CANCELLED, finishedAt: new Date() });
        sendFinished((this.#backend as object).constructor as SignalSender, result);
      } catch (error) {
        logger.debug({ err: (error as Error).message, taskId: id }, "could not build the cancelled task's result for taskFinished");
      }
    }
    this.#wake.wake();
  }

  /** Whether due tasks this worker could run remain though its claim found none (see limited-drain.ts). */
  async #heldBack(): Promise<boolean> {
    const skipQueues = [...(this.#options.excludeQueues ?? []), ...(await this.#paused.current())];
    return withRetry(() => dueWorkRemains(this.#store, { taskNames: this.#taskNames, queues: this.#queues, skipQueues }), {
      what: "count due tasks",
      isTransient: (error) => this.#store.isTransient(error),
      signal: this.#stopRetries.signal,
    });
  }

  #servesQueue(queue: string): boolean {
    if (this.#options.excludeQueues?.includes(queue)) return false;
    return this.#queues === null || this.#queues.includes(queue);
  }

  #startBuffered(): void {
    while (this.#executing.size < this.#options.concurrency && this.#buffer.length > 0) this.#start(this.#buffer.shift()!);
  }

  #start(claimed: Claimed): void {
    const id = claimed.id;
    this.#executing.add(id);
    this.#names.set(id, claimed.taskPath);
    this.#running.set(id, this.#execute(claimed, id));
  }

  /** Runs one claimed task to its stored outcome; never rejects. */
  async #execute(claimed: Claimed, id: string): Promise<void> {
    try {
      const before = this.#stats.interrupted;
      const result = await executeClaimed(this.#backend, claimed, this.#executeOptions!);
      this.#count(result, this.#stats.interrupted !== before && result.status === "READY");
    } catch (error) {
      logger.error({ err: error, taskId: id, workerId: this.id }, "could not store a task's outcome; its lease will expire and it will run again");
    } finally {
      this.#executing.delete(id);
      this.#running.delete(id);
      this.#names.delete(id);
      this.#settled++;
      this.#wake.wake();
    }
  }

  #count(result: TaskResult<unknown>, interrupted: boolean): void {
    this.#stats.processed++;
    if (result.status === "SUCCESSFUL") this.#stats.succeeded++;
    else if (result.status === "CANCELLED") this.#stats.cancelled++;
    else if (result.status === "FAILED") this.#stats.failed++;
    else if (result.status === "READY" && !interrupted) this.#stats.retried++;
  }
}
