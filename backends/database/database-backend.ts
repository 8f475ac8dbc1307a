import { randomUUID } from "node:crypto";
import type { MikroORM } from "@mikro-orm/core";
import { container } from "tsyringe";
import { BaseTaskBackend, type TaskBackendParams } from "../../src/backends/base.js";
import { toBackoffFunction, type BackoffFunction } from "../../src/backoff.js";
import { registerBackendClass } from "../../src/config.js";
import { InvalidTaskBackendError, TaskResultDoesNotExistError } from "../../src/errors.js";
import type { JsonValue } from "../../src/json.js";
import { logger } from "../../src/logger.js";
import { taskEnqueued } from "../../src/signals.js";
import type { Task } from "../../src/task.js";
import { readyTaskResult, type TaskResult } from "../../src/task-result.js";
import { checkQueueLimits, concurrencyKeyOf, type QueueLimitOptions } from "../../src/limits.js";
import { describeDatabaseUrl, translateDatabaseError } from "./database-errors.js";
import { DatabaseStore } from "./database-store.js";
import { dialectOf, mysqlDialect, postgresqlDialect, sqliteDialect, type Dialect } from "./dialect.js";
import { FinishWaiters } from "./finish-waiters.js";
import { InFlight } from "./in-flight.js";
import { cancelChannel, finishedChannel, notifyChannel, TaskListener } from "./notify.js";
import { checkDatabaseOptions, DATABASE_DEFAULTS, pgSettings, wakeupOnPostgresql, type DatabaseBackendOptions } from "./options.js";
import type { ErrandOrm } from "./orm.js";
import type { QueryContext } from "./queries/context.js";
import { insertTasks, type NewTaskItem, type NewTasksCommon } from "./queries/insert.js";
import { afterCommitOf } from "./after-commit.js";
import { RedisWakeup } from "./redis-wakeup.js";
import { enqueueUnique } from "./enqueue-unique.js";
import { collapseUnique } from "../../src/unique-options.js";
import { currentTraceContext } from "../../src/telemetry/trace-context.js";
import { cancelInStore } from "../../src/worker/cancel.js";
import { recordToResult } from "../../src/worker/record-to-result.js";
import type { StoreBackend, TaskStore } from "../../src/worker/store.js";

/**
 * Stores tasks in SQL through MikroORM 7; workers claim and run them (Django: `DatabaseBackend` of
 * django-tasks / django-database-task). SQLite (a file, the default) for development and single-host
 * use; PostgreSQL for production, where claims use `FOR UPDATE SKIP LOCKED` and many workers on many
 * hosts share the table. Supports defer, priority, result retrieval from any process and async tasks.
 *
 * The database is opened on first use (not at construction), and on SQLite migrated then too.
 *
 * @example
 * ```ts
 * configureTasks({ default: { BACKEND: DatabaseBackend, OPTIONS: { url: "postgresql://app@db/app" } } });
 * const result = await sendWelcomeEmail.enqueue(42); // READY; `errand worker` runs it
 * await result.refresh();
 * ```
 */
export class DatabaseBackend extends BaseTaskBackend implements StoreBackend {
  override readonly supportsDefer = true;
  override readonly supportsPriority = true;
  override readonly supportsGetResult = true;
  override readonly supportsAsync = true;
  /** Tasks save metadata through the worker running them (`context.saveMetadata()`), fenced by its lease. */
  override readonly supportsMetadata = true;
  /** Unique tasks hold through the unique index `(task_path, unique_key)` (see queries/insert-unique.ts). */
  override readonly supportsUnique: boolean = true;
  override readonly supportsCancel = true;

  /** The checked `OPTIONS`. */
  readonly databaseOptions: DatabaseBackendOptions;
  /** The table of task results. */
  readonly tableName: string;
  /** The PostgreSQL NOTIFY channel enqueues signal on. */
  readonly notifyChannel: string;
  /** The PostgreSQL NOTIFY channel completions signal on (for `TaskResult.wait()`). */
  readonly finishedChannel: string;
  /** The NOTIFY channel on which cancellations of running tasks announce their id (PostgreSQL). */
  readonly cancelChannel: string;
  /** Lease length in milliseconds (see {@link DatabaseBackendOptions.leaseMs}). */
  readonly leaseMs: number;
  /** Whether SUCCESSFUL results stay stored (see {@link DatabaseBackendOptions.keepSuccessfulResults}). */
  readonly keepSuccessfulResults: boolean;
  /** @internal The Redis wake-up channel of {@link DatabaseBackendOptions.wakeup}, if configured. */
  readonly wakeup: RedisWakeup | undefined;
  /** Per-queue limits (see {@link DatabaseBackendOptions.queues}), enforced by the store's claim. */
  readonly queueLimits: Readonly<Record<string, QueueLimitOptions>>;
  readonly #idFunction: () => string;
  readonly #defaultBackoff: BackoffFunction;
  #ready: Promise<{ orm: ErrandOrm; ctx: QueryContext }> | undefined;
  #connecting: Promise<{ orm: ErrandOrm; owned: boolean }> | undefined;
  #dialect: Dialect | undefined;
  #store: DatabaseStore | undefined;
  /** Statements and migrations still running: close() waits for them before ending the pool. */
  readonly #inFlight = new InFlight();

  /** @throws InvalidTaskBackendError naming the bad `OPTIONS` field. */
  constructor(alias: string, params: TaskBackendParams<DatabaseBackendOptions>) {
    super(alias, params);
    this.databaseOptions = checkDatabaseOptions(alias, this.options);
    this.tableName = this.databaseOptions.tableName ?? DATABASE_DEFAULTS.tableName;
    this.leaseMs = this.databaseOptions.leaseMs ?? DATABASE_DEFAULTS.leaseMs;
    this.keepSuccessfulResults = this.databaseOptions.keepSuccessfulResults ?? DATABASE_DEFAULTS.keepSuccessfulResults;
    this.notifyChannel = notifyChannel(this.tableName);
    this.finishedChannel = finishedChannel(this.tableName);
    this.cancelChannel = cancelChannel(this.tableName);
    this.queueLimits = this.databaseOptions.queues === undefined ? {} : checkQueueLimits(this.databaseOptions.queues, `TASKS.${alias}.OPTIONS.queues`, this.queues);
    this.#idFunction = this.databaseOptions.idFunction ?? randomUUID;
    this.#defaultBackoff = toBackoffFunction(this.databaseOptions.backoff);
    this.wakeup = this.databaseOptions.wakeup === undefined ? undefined : new RedisWakeup(this.databaseOptions.wakeup, alias);
  }

  /**
   * @internal Tells workers (or `wait()`ers) through `OPTIONS.wakeup` that `channel` has news, once
   * the application's transaction around the caller (if any) has committed; without a transaction
   * or a tracked one, at once. Never throws.
   */
  announce(orm: ErrandOrm, channel: string, message: string): void {
    const wakeup = this.wakeup;
    if (!wakeup) return;
    const publish = () => wakeup.publish(channel, message);
    const trx = orm.em.getContext(false).getTransactionContext<object>();
    if (trx && afterCommitOf(orm).defer(trx, publish)) return;
    publish();
  }

  /** This backend's store: what the Worker, the programmatic API, the CLI and the HTTP app use (created on first access; it opens the database on first use). */
  get taskStore(): TaskStore {
    this.#store ??= new DatabaseStore(this);
    return this.#store;
  }

  /**
   * The SQL dialect: exact once the database is open; before that, the one `OPTIONS` name (an
   * `orm` passed in, else the url's scheme).
   */
  get dialect(): Dialect {
    if (this.#dialect) return this.#dialect;
    const o = this.databaseOptions;
    if (o.orm) return dialectOf(o.orm as unknown as MikroORM);
    const url = (o.url ?? DATABASE_DEFAULTS.url).trim();
    if (/^(mysql|mariadb):/i.test(url)) return mysqlDialect;
    return /^postgres(ql)?:/i.test(url) ? postgresqlDialect : sqliteDialect;
  }

  /** The MikroORM instance (opened, and on SQLite migrated, on first call). */
  async getOrm(): Promise<ErrandOrm> {
    return (await this.#open()).orm;
  }

  /** @internal The query context for this backend's table, bound to the current MikroORM context. */
  async queryContext(): Promise<QueryContext> {
    return (await this.#open()).ctx;
  }

  /**
   * Applies pending migrations (what `errand migrate` runs).
   * @returns the names of the migrations applied (empty when up to date).
   */
  async migrate(): Promise<string[]> {
    const { orm } = await this.#connect();
    const { migrate } = await import("./orm.js");
    return this.#guard(() => migrate(orm, this.tableName));
  }

  /** Names of errand's migrations not applied yet (reads only). */
  async pendingMigrations(): Promise<string[]> {
    const { orm } = await this.#connect();
    const { pendingMigrations } = await import("./orm.js");
    return this.#guard(() => pendingMigrations(orm, this.tableName));
  }

  /**
   * Where this backend's database is, for messages: `PostgreSQL at host:port/db` (never the
   * password), `SQLite file /abs/path`, or the MikroORM instance passed in.
   */
  get location(): string {
    const o = this.databaseOptions;
    if (o.orm) return "the database of the MikroORM instance in OPTIONS.orm";
    return describeDatabaseUrl(o.url ?? DATABASE_DEFAULTS.url);
  }

  /** Runs `fn` counted as in flight, with a missing database or table reported as an ErrandError. */
  #guard<T>(fn: () => Promise<T>): Promise<T> {
    return this.#inFlight.track(async () => {
      try {
        return await fn();
      } catch (error) {
        throw translateDatabaseError(error, this.location, `backend '${this.alias}', table ${this.tableName}`);
      }
    });
  }

  /**
   * How long a worker keeps retrying to store task outcomes through transient database errors, in
   * milliseconds: most of a lease (at least 10 s), since giving up means the task runs again once
   * its lease expires.
   */
  get storeRetryMs(): number {
    return Math.max(10_000, this.leaseMs);
  }

  /** Attempts a task gets: the task's `maxAttempts`, else `OPTIONS.maxAttempts`, else 1. */
  maxAttemptsFor(task: Task<any, any, any>): number {
    return task.maxAttempts ?? this.databaseOptions.maxAttempts ?? DATABASE_DEFAULTS.maxAttempts;
  }

  /**
   * Pauses queue `name` (DESIGN §7): workers stop claiming its tasks within a second; RUNNING ones
   * go on. Idempotent; a queue not used yet can be paused ahead. Also `errand queues pause NAME`.
   */
  async pauseQueue(name: string): Promise<void> {
    await this.taskStore.pauseQueue(name);
  }

  /** Resumes queue `name` (PostgreSQL wakes idle workers at once). Idempotent. */
  async resumeQueue(name: string): Promise<void> {
    await this.taskStore.resumeQueue(name);
  }

  /** The paused queues, sorted. */
  async pausedQueues(): Promise<string[]> {
    return this.taskStore.pausedQueues();
  }

  /** Milliseconds an attempt of `task` may run, or `null` for no limit. */
  timeoutFor(task: Task<any, any, any>): number | null {
    return task.timeout ?? this.databaseOptions.timeout ?? null;
  }

  /** The back-off function for `task`. */
  backoffFor(task: Task<any, any, any>): BackoffFunction {
    return task.backoff ? toBackoffFunction(task.backoff) : this.#defaultBackoff;
  }

  override async enqueue<R>(task: Task<any, R>, args: JsonValue[]): Promise<TaskResult<R>> {
    const [result] = await this.enqueueMany(task, [args]);
    return result as TaskResult<R>;
  }

  /**
   * Inserts every enqueue in one statement (chunked for very large lists); all or nothing in a
   * transaction. A unique task's entries collapse into one enqueue (see `Task.enqueueMany`), which
   * sends `taskEnqueued` only when it stored a new row.
   */
  override async enqueueMany<R>(task: Task<any, R>, argsList: JsonValue[][]): Promise<TaskResult<R>[]> {
    if (argsList.length === 0) return [];
    const { orm, ctx } = await this.#open();
    const enqueuedAt = new Date();
    // Wake idle workers (PostgreSQL LISTEN) unless the task is deferred: they poll for those.
    const dueNow = task.runAfter === null || task.runAfter.getTime() <= enqueuedAt.getTime();
    const wake = dueNow ? { channel: this.notifyChannel, payload: task.queueName } : undefined;
    const common: NewTasksCommon = {
      taskPath: task.name,
      queueName: task.queueName,
      backendName: this.alias,
      priority: task.priority,
      maxAttempts: this.maxAttemptsFor(task),
      enqueuedAt,
      runAfter: task.runAfter,
      traceContext: currentTraceContext(),
    };
    // Without NOTIFY, OPTIONS.wakeup tells workers (after the application's transaction commits).
    const announce = () => {
      if (dueNow && !ctx.dialect.supportsNotify) this.announce(orm, this.notifyChannel, task.queueName);
    };
    if (task.uniqueKey !== null) {
      const { result, created } = await enqueueUnique(ctx, task, common, this.#newId(), collapseUnique(task.onConflict, argsList), wake);
      announce();
      if (created) this.#sendEnqueued([result]);
      return argsList.map(() => result);
    }
    const items: NewTaskItem[] = argsList.map((args) => ({ id: this.#newId(), args, concurrencyKey: concurrencyKeyOf(task.concurrency, args, task.name) }));
    await insertTasks(ctx, common, items, wake);
    announce();
    const results = items.map((item) => readyTaskResult<R>(item.id, task, item.args as JsonValue[], this.alias, enqueuedAt));
    this.#sendEnqueued(results);
    return results;
  }

  #sendEnqueued(results: readonly TaskResult<unknown>[]): void {
    if (taskEnqueued.hasReceivers) {
      // The sender is the backend's own class, so subclasses (CloudTasksBackend) report themselves.
      const sender = this.constructor as typeof DatabaseBackend;
      for (const r of results) taskEnqueued.send({ sender, taskResult: r });
    }
  }

  /** @throws TaskResultDoesNotExistError when no row has this id (including ids of the wrong shape). */
  override async getResult(resultId: string): Promise<TaskResult<unknown>> {
    if (typeof resultId !== "string" || resultId === "" || resultId.length > 64) {
      throw new TaskResultDoesNotExistError(String(resultId));
    }
    const record = await this.taskStore.get(resultId);
    if (!record) throw new TaskResultDoesNotExistError(resultId);
    return recordToResult(record);
  }

  /**
   * Cancels a task from any process (see `BaseTaskBackend.cancel`): READY never runs; a RUNNING
   * task's `context.signal` aborts in the worker running it within about a second.
   * @throws TaskResultDoesNotExistError when no task has this id.
   */
  override async cancel(resultId: string): Promise<TaskResult<unknown>> {
    return cancelInStore(this, resultId);
  }

  /**
   * Resolves at the next completion anywhere (PostgreSQL: LISTEN on the completions channel; with
   * `OPTIONS.wakeup`: its Redis channel; either shared by all waiters of this backend and closed when
   * none is left) or after `ms`; otherwise it sleeps.
   */
  override async waitForChange(ms: number): Promise<void> {
    const { orm, ctx } = await this.#open();
    if (!ctx.dialect.supportsNotify && !this.wakeup) return super.waitForChange(ms);
    await this.#finishWaiters.wait(ms, (wakeAll) => {
      if (ctx.dialect.supportsNotify) {
        const listener = new TaskListener({ orm, channel: this.finishedChannel, name: `${this.alias}:wait`, onNotify: wakeAll, onReconnect: wakeAll });
        void listener.start();
        return listener;
      }
      const subscribed = this.wakeup!.subscribe(this.finishedChannel, wakeAll, wakeAll);
      return { close: async () => (await subscribed)() };
    });
  }

  readonly #finishWaiters = new FinishWaiters();

  /**
   * Connection and schema problems (an unreachable database, pending migrations), as messages.
   * Migrations this backend applies itself on first use (`autoMigrate`, on by default on SQLite)
   * are not reported as pending.
   */
  override async check(): Promise<string[]> {
    try {
      const pending = await this.pendingMigrations();
      if (pending.length > 0 && (this.databaseOptions.autoMigrate ?? dialectOf((await this.#connect()).orm).migratesOnFirstUse)) return [];
      return pending.length > 0 ? [`Backend '${this.alias}': ${pending.length} errand migration(s) pending (${pending.join(", ")}): run "errand migrate".`] : [];
    } catch (error) {
      return [`Backend '${this.alias}': cannot use the database: ${(error as Error).message}`];
    }
  }

  /** Closes the connection pool if this backend opened it (an `orm` passed in stays open). */
  override async close(): Promise<void> {
    this.#finishWaiters.stop();
    await this.wakeup?.close();
    const ready = this.#ready;
    const connecting = this.#connecting;
    this.#ready = undefined;
    this.#connecting = undefined;
    if (!connecting) return;
    // A first use may still be opening (or have failed after connecting, e.g. in a migration): the
    // ORM it created is ours to close either way.
    await ready?.catch(() => undefined);
    const opened = await connecting.catch(() => undefined);
    if (!opened?.owned) return;
    // Ending the pool while statements are still acquiring connections never resolves.
    await this.#inFlight.settled();
    const { closeOrm } = await import("./orm.js");
    await closeOrm(opened.orm);
  }

  #newId(): string {
    const id = this.#idFunction();
    if (typeof id !== "string" || id === "" || id.length > 64) {
      throw new InvalidTaskBackendError(`TASKS.${this.alias}.OPTIONS.idFunction must return a non-empty string of at most 64 characters; got ${JSON.stringify(id)}.`);
    }
    return id;
  }

  /** Opens the ORM (without migrating); `owned` when this backend created it (and so closes it). */
  #connect(): Promise<{ orm: ErrandOrm; owned: boolean }> {
    if (this.#connecting) return this.#connecting;
    const connecting = (async () => {
      const o = this.databaseOptions;
      if (o.orm) return { orm: o.orm as unknown as ErrandOrm, owned: false };
      if (!("url" in this.options)) {
        const registered = await registeredOrm();
        if (registered) return { orm: registered, owned: false };
      }
      const { createOrm } = await import("./orm.js");
      const orm = await createOrm({ url: o.url ?? DATABASE_DEFAULTS.url, tableName: this.tableName, pg: pgSettings(o) });
      return { orm, owned: true };
    })();
    this.#connecting = connecting;
    // Only a failed attempt is forgotten (the next use retries); never a newer one.
    connecting.catch(() => {
      if (this.#connecting === connecting) this.#connecting = undefined;
    });
    return connecting;
  }

  #open(): Promise<{ orm: ErrandOrm; ctx: QueryContext }> {
    if (this.#ready) return this.#ready;
    const ready = (async () => {
      const { orm } = await this.#connect();
      const dialect = dialectOf(orm);
      this.#dialect = dialect;
      if (this.wakeup) {
        if (dialect.supportsNotify) throw new InvalidTaskBackendError(wakeupOnPostgresql(`TASKS.${this.alias}.OPTIONS.wakeup`));
        await this.wakeup.open();
        // Transactions the application starts from now on are followed, for wake-ups after their commit.
        afterCommitOf(orm);
      }
      const autoMigrate = this.databaseOptions.autoMigrate ?? dialect.migratesOnFirstUse;
      if (autoMigrate) {
        const applied = await this.migrate();
        if (applied.length > 0) logger.info({ backend: this.alias, applied }, "applied errand migrations");
      }
      const table = dialect.quoteIdent(this.tableName);
      const { createExecute } = await import("./sql-executor.js");
      const executors = await this.#guard(() =>
        createExecute(orm, dialect, { where: this.location, detail: `backend '${this.alias}', table ${this.tableName}`, inFlight: this.#inFlight }),
      );
      const ctx: QueryContext = { dialect, table, ...executors };
      return { orm, ctx };
    })();
    this.#ready = ready;
    // Concurrent first uses share this one attempt; a failed one is forgotten so the next use retries.
    ready.catch(() => {
      if (this.#ready === ready) this.#ready = undefined;
    });
    return ready;
  }
}

/**
 * A MikroORM the application registered in the tsyringe container, under `MikroORM` of
 * `@mikro-orm/core` or of a driver package (`@mikro-orm/postgresql`, `@mikro-orm/sqlite`), if any.
 */
async function registeredOrm(): Promise<ErrandOrm | undefined> {
  const candidates = await Promise.all(
    [import("@mikro-orm/core"), import("@mikro-orm/postgresql"), import("@mikro-orm/sqlite")].map((p) =>
      p.then((m) => m.MikroORM as unknown).catch(() => undefined),
    ),
  );
  for (const token of candidates) {
    if (token && container.isRegistered(token as never, true)) return container.resolve(token as never) as ErrandOrm;
  }
  return undefined;
}

registerBackendClass("DatabaseBackend", DatabaseBackend);
