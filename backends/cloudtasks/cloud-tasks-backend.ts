import type { TaskBackendParams } from "../../src/backends/base.js";
import { registerBackendClass } from "../../src/config.js";
import { InvalidTaskError } from "../../src/errors.js";
import type { JsonValue } from "../../src/json.js";
import type { Task } from "../../src/task.js";
import type { TaskResult } from "../../src/task-result.js";
import { DatabaseBackend } from "../database/index.js";
import { createDefaultClient, importTasksPackage, type CloudTasksClientLike } from "./client.js";
import { dispatchTasks } from "./dispatch.js";
import { checkCloudTasksOptions, QUEUE_ID_RE, type CloudTasksBackendOptions, type SplitOptions } from "./options.js";
import { oidcAudienceOf, resolveTarget, type TargetResolution } from "./target.js";

/** How long a failed resolution of project/location/handler URL is remembered before trying again. */
const RESOLVE_RETRY_MS = 30_000;

/**
 * A {@link DatabaseBackend} that also pushes each task through Google Cloud Tasks (django-database-task's
 * `CloudTasksDatabaseBackend`), for Cloud Run and App Engine where no worker process stays alive.
 *
 * `enqueue` inserts the row (the database stays the source of truth), then creates one Cloud Task that
 * POSTs only the id to `createTasksApp`'s `execute/<id>/?fail_on_error=true&allow_retry=true`, in
 * Cloud Tasks queue `queueMap[queueName] ?? queueName`, at `runAfter`, with an OIDC token when
 * `oidcServiceAccountEmail` is set and a dispatch deadline from the task's timeout. Cloud Tasks retries
 * the call while the handler answers an error (an attempt that failed answers 500).
 *
 * If the Cloud Task cannot be created (Cloud Tasks unreachable, permission denied, no location
 * configured…), the failure is logged with the task id, `enqueue` still resolves, and the row stays
 * READY: a worker (`errand worker`) or the `run/` endpoint runs it.
 *
 * Inside an application transaction (`em.transactional`), the Cloud Task is created right after the
 * INSERT, before the transaction commits. If Cloud Tasks calls before the commit, the execute endpoint
 * answers 404 and Cloud Tasks retries it later; after a rollback the Cloud Task only gets 404s until
 * the queue's retry limit. (The row, not the Cloud Task, decides whether a task exists.)
 *
 * Task names are left to Cloud Tasks: ids may be time-ordered (UUIDv7), which Google warns makes named
 * tasks slow, named tasks cannot be re-created for hours after they ran, and the execute endpoint is
 * already idempotent (it runs a task only while it is READY).
 *
 * @example
 * ```ts
 * configureTasks({
 *   default: {
 *     BACKEND: CloudTasksBackend,
 *     QUEUES: [],
 *     OPTIONS: {
 *       url: process.env.DATABASE_URL,
 *       handlerUrl: "https://my-service-abc123-ew.a.run.app",
 *       oidcServiceAccountEmail: "tasks-invoker@my-project.iam.gserviceaccount.com",
 *     },
 *   },
 * });
 * ```
 */
export class CloudTasksBackend extends DatabaseBackend {
  /**
   * Not yet: each enqueue pushes one Cloud Task, and a skipped or replaced enqueue would need its
   * push left out or moved. Unique tasks are refused with an InvalidTaskError rather than pushed twice.
   */
  override readonly supportsUnique: boolean = false;
  /** The checked Cloud Tasks `OPTIONS` (the database ones are in `databaseOptions`). */
  readonly cloudTasksOptions: SplitOptions["cloud"];
  /** The client this backend created (an injected one is not ours to close). */
  #client: Promise<CloudTasksClientLike> | undefined;
  #target: { failedAt: number | null; promise: Promise<TargetResolution> } | undefined;

  /** @throws InvalidTaskBackendError naming the bad `OPTIONS` field. */
  constructor(alias: string, params: TaskBackendParams<CloudTasksBackendOptions>) {
    super(alias, { ...params, OPTIONS: checkCloudTasksOptions(alias, { ...params.OPTIONS }).database });
    this.cloudTasksOptions = checkCloudTasksOptions(alias, { ...params.OPTIONS }).cloud;
    // `options` holds every OPTIONS field, as for any backend (DatabaseBackend saw only its own).
    (this as { options: Record<string, unknown> }).options = { ...(params.OPTIONS ?? {}) };
  }

  /** The Cloud Tasks queue id for an errand queue name (`queueMap`, else the name itself). */
  queueIdFor(queueName: string): string {
    const map = this.cloudTasksOptions.queueMap;
    return map && Object.hasOwn(map, queueName) ? map[queueName]! : queueName;
  }

  /**
   * The audience of the OIDC tokens this backend asks for: `oidcAudience`, else the handler URL's
   * origin; `null` when neither is known (what `verifyCloudTasksOidc` derives its audience from).
   */
  get oidcAudience(): string | null {
    return oidcAudienceOf(this.cloudTasksOptions);
  }

  /**
   * DatabaseBackend's checks, plus: the queue (after `queueMap`) must be a valid Cloud Tasks queue id.
   * @throws InvalidTaskError naming the queue and the `queueMap` fix.
   */
  override validateTask(task: Task<any, any>): void {
    super.validateTask(task);
    const queueId = this.queueIdFor(task.queueName);
    if (!QUEUE_ID_RE.test(queueId)) {
      throw new InvalidTaskError(
        `Queue '${task.queueName}' of task '${task.name}' is not a valid Cloud Tasks queue id (letters, digits and hyphens, at most 100): ` +
          `map it with TASKS.${this.alias}.OPTIONS.queueMap, e.g. { "${task.queueName}": "${task.queueName.replace(/[^A-Za-z0-9-]+/g, "-").slice(0, 100)}" }.`,
      );
    }
  }

  /** Stores the task, then creates its Cloud Task (see the class documentation). */
  override async enqueue<R>(task: Task<any, R>, args: JsonValue[]): Promise<TaskResult<R>> {
    const [result] = await this.enqueueMany(task, [args]);
    return result as TaskResult<R>;
  }

  /** Stores every enqueue in one statement, then creates one Cloud Task per task. Never fails because of Cloud Tasks. */
  override async enqueueMany<R>(task: Task<any, R>, argsList: JsonValue[][]): Promise<TaskResult<R>[]> {
    const results = await super.enqueueMany(task, argsList);
    const timeoutMs = this.timeoutFor(task);
    await dispatchTasks(
      {
        alias: this.alias,
        taskName: task.name,
        resolve: () => this.resolveTarget(),
        client: () => this.getClient(),
        queueId: (name) => this.queueIdFor(name),
      },
      results.map((r) => ({ id: r.id, queueName: task.queueName, runAfter: task.runAfter, timeoutMs, backendAlias: this.alias })),
    );
    return results;
  }

  /**
   * Project, location and handler URL, from OPTIONS or the environment (the metadata server is asked
   * for the location at most once per 30 s while it fails).
   */
  resolveTarget(): Promise<TargetResolution> {
    const cached = this.#target;
    if (cached && (cached.failedAt === null || Date.now() - cached.failedAt < RESOLVE_RETRY_MS)) return cached.promise;
    // A success is kept for good (the environment does not change); a failure is retried later.
    const entry: { failedAt: number | null; promise: Promise<TargetResolution> } = { failedAt: null, promise: resolveTarget(this.alias, this.cloudTasksOptions) };
    this.#target = entry;
    entry.promise.then(
      (r) => {
        if (r.target === null) entry.failedAt = Date.now();
      },
      () => {
        entry.failedAt = Date.now();
      },
    );
    return entry.promise;
  }

  /**
   * The Cloud Tasks client: OPTIONS `client`, else a `CloudTasksClient` created and initialized on first
   * use (when that fails, e.g. no credentials, the next call tries again with a new one).
   */
  getClient(): Promise<CloudTasksClientLike> {
    if (this.cloudTasksOptions.client) return Promise.resolve(this.cloudTasksOptions.client);
    if (!this.#client) {
      const creating = createDefaultClient();
      this.#client = creating;
      creating.catch(() => {
        if (this.#client === creating) this.#client = undefined;
      });
    }
    return this.#client;
  }

  /** DatabaseBackend's checks, plus missing project/location/handler URL and a missing `@google-cloud/tasks`. */
  override async check(): Promise<string[]> {
    const problems = await super.check();
    problems.push(...(await this.resolveTarget()).problems);
    if (!this.cloudTasksOptions.client) {
      try {
        await importTasksPackage();
      } catch (error) {
        problems.push(`Backend '${this.alias}': ${(error as Error).message}.`);
      }
    }
    return problems;
  }

  /** Closes the database (as DatabaseBackend) and the Cloud Tasks client if this backend created it. */
  override async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (client) await client.then((c) => c.close?.()).catch(() => undefined);
    await super.close();
  }
}

registerBackendClass("CloudTasksBackend", CloudTasksBackend);
