import "reflect-metadata";
import { container, type InjectionToken } from "tsyringe";
import type { BaseTaskBackend, BuiltinBackendName, TaskBackendClass, TaskBackendParams } from "./backends/base.js";
import { DummyBackend } from "./backends/dummy-backend.js";
import { ImmediateBackend } from "./backends/immediate-backend.js";
import { DEFAULT_TASK_BACKEND_ALIAS } from "./constants.js";
import { didYouMean } from "./did-you-mean.js";
import { ErrandError, InvalidTaskBackendError } from "./errors.js";
import { logger } from "./logger.js";
import { parseSchedules, type PeriodicConfig } from "./periodic/schedule.js";
import type { Task } from "./task.js";

/** The `TASKS` setting: backend alias → backend entry (Django's `TASKS`). */
export type TasksConfig = Record<string, TaskBackendParams<any>>;

/**
 * The tsyringe token under which the `TASKS` configuration lives. `configureTasks` registers it;
 * an application may also `container.register(TASKS, { useValue: {...} })` itself.
 */
export const TASKS: InjectionToken<TasksConfig> = Symbol.for("errand.TASKS");

/*
 * Import cycle, on purpose: `Task` and `TaskResult` find their backend through `lookupBackend`
 * (below), and the built-in backends import `TaskResult`. When a backend module is the first one
 * loaded (`import "errand/backends/immediate"`), this module evaluates before that backend's class
 * exists, so nothing at the top level here may read `ImmediateBackend` or `DummyBackend`: the
 * default entry reads it through a getter and the built-in names are resolved on use.
 */

/** What errand uses when nothing is configured: an `ImmediateBackend` as `default` (Django's default). */
export const DEFAULT_TASKS_CONFIG: TasksConfig = Object.freeze({
  [DEFAULT_TASK_BACKEND_ALIAS]: Object.freeze({
    get BACKEND(): TaskBackendClass {
      return ImmediateBackend;
    },
  }),
}) as TasksConfig;

/** Backend classes registered by name with {@link registerBackendClass}, besides the core's own. */
const registeredBackends = new Map<string, TaskBackendClass>();

function builtinBackendClass(name: string): TaskBackendClass | undefined {
  const registered = registeredBackends.get(name);
  if (registered) return registered;
  if (name === "DummyBackend") return DummyBackend;
  if (name === "ImmediateBackend") return ImmediateBackend;
  return undefined;
}

const builtinSubpath: Record<BuiltinBackendName, string> = {
  DummyBackend: "errand/backends/dummy",
  ImmediateBackend: "errand/backends/immediate",
  DatabaseBackend: "errand/backends/database",
  CloudTasksBackend: "errand/backends/cloudtasks",
  BullMQBackend: "errand/backends/bullmq",
};

/**
 * Makes a backend class available by name in `BACKEND` (done by each built-in backend module when
 * it is imported, so that `"DatabaseBackend"` works in JSON configs).
 */
export function registerBackendClass(name: string, cls: TaskBackendClass): void {
  registeredBackends.set(name, cls);
}

function resolveBackendClass(alias: string, backend: unknown): TaskBackendClass {
  if (typeof backend === "function") return backend as TaskBackendClass;
  if (typeof backend === "string") {
    const cls = builtinBackendClass(backend);
    if (cls) return cls;
    const subpath = builtinSubpath[backend as BuiltinBackendName];
    throw new InvalidTaskBackendError(
      subpath
        ? `TASKS.${alias}.BACKEND '${backend}' is not loaded: import "${subpath}" (or pass the class) before using the backend.`
        : `TASKS.${alias}.BACKEND '${backend}' is not a known backend; use a backend class or one of ${Object.keys(builtinSubpath).join(", ")}.`,
    );
  }
  throw new InvalidTaskBackendError(`TASKS.${alias}.BACKEND is required: a backend class such as ImmediateBackend, or its name as a string.`);
}

const BACKEND_ENTRY_KEYS = ["BACKEND", "QUEUES", "OPTIONS"];

function checkParams(alias: string, params: unknown): asserts params is TaskBackendParams<any> {
  if (params === null || typeof params !== "object" || Array.isArray(params)) {
    throw new InvalidTaskBackendError(`TASKS.${alias} must be an object like { BACKEND, QUEUES?, OPTIONS? }.`);
  }
  const p = params as Record<string, unknown>;
  for (const key of Object.keys(p)) {
    if (!BACKEND_ENTRY_KEYS.includes(key)) {
      throw new InvalidTaskBackendError(`TASKS.${alias}.${key} is not a setting${didYouMean(key, BACKEND_ENTRY_KEYS)}; use BACKEND, QUEUES or OPTIONS.`);
    }
  }
  if (p.QUEUES !== undefined && !(Array.isArray(p.QUEUES) && p.QUEUES.every((q) => typeof q === "string" && q !== ""))) {
    throw new InvalidTaskBackendError(`TASKS.${alias}.QUEUES must be an array of queue names ([] allows any).`);
  }
  if (p.OPTIONS !== undefined && (p.OPTIONS === null || typeof p.OPTIONS !== "object" || Array.isArray(p.OPTIONS))) {
    throw new InvalidTaskBackendError(`TASKS.${alias}.OPTIONS must be an object.`);
  }
}

/**
 * The configured backends, by alias (Django: `task_backends`). Instances are created on first use,
 * through the tsyringe container: when the application registered an instance for a backend class
 * (`container.register(DatabaseBackend, { useValue: myBackend })`), that instance is used.
 */
export class TaskBackendHandler {
  #instances = new Map<string, BaseTaskBackend>();
  /** The instances errand constructed (and so may close); an application's registered ones are not. */
  #owned = new WeakSet<BaseTaskBackend>();
  #configSeen: TasksConfig | undefined;

  /** The `TASKS` configuration in force (the default one when nothing is registered). */
  get config(): TasksConfig {
    return container.isRegistered(TASKS, true) ? container.resolve(TASKS) : DEFAULT_TASKS_CONFIG;
  }

  /**
   * The backend for `alias`, created on first use.
   * @throws InvalidTaskBackendError `"The connection 'x' doesn't exist."` for an unknown alias, or a
   *   message naming the bad setting when the entry is invalid.
   */
  get(alias: string): BaseTaskBackend {
    const config = this.config;
    if (config !== this.#configSeen) this.#drop(config);
    const cached = this.#instances.get(alias);
    if (cached) return cached;
    if (!Object.hasOwn(config, alias)) throw InvalidTaskBackendError.unknownAlias(alias);
    const params = config[alias];
    checkParams(alias, params);
    const cls = resolveBackendClass(alias, params.BACKEND);
    let backend: BaseTaskBackend;
    if (container.isRegistered(cls, true)) {
      backend = container.resolve<BaseTaskBackend>(cls);
    } else {
      backend = new cls(alias, params);
      this.#owned.add(backend);
    }
    this.#instances.set(alias, backend);
    return backend;
  }

  /** The backend for the `default` alias. */
  get default(): BaseTaskBackend {
    return this.get(DEFAULT_TASK_BACKEND_ALIAS);
  }

  /** Every configured backend (creating them). */
  all(): BaseTaskBackend[] {
    return Object.keys(this.config).map((alias) => this.get(alias));
  }

  /** The configured aliases. */
  aliases(): string[] {
    return Object.keys(this.config);
  }

  /**
   * Closes every backend errand created so far (database connections, listeners) and forgets them.
   * Instances the application registered in the container are left open: they are the application's.
   */
  async close(): Promise<void> {
    const instances = [...this.#instances.values()];
    this.#instances.clear();
    await Promise.all(instances.filter((b) => this.#owned.has(b)).map((b) => b.close()));
  }

  #drop(config: TasksConfig): void {
    for (const backend of this.#instances.values()) {
      if (!this.#owned.has(backend)) continue;
      backend.close().catch((error: unknown) => logger.warn({ err: error, backend: backend.alias }, "closing a replaced backend failed"));
    }
    this.#instances.clear();
    this.#configSeen = config;
  }
}

/** The configured backends: `taskBackends.get("default")`, `taskBackends.default`, `taskBackends.all()`. */
export const taskBackends = new TaskBackendHandler();

/**
 * The configured backend for `alias`: how `Task` and `TaskResult` reach their backend.
 * @throws InvalidTaskBackendError for an unknown alias.
 */
export function lookupBackend(alias: string): BaseTaskBackend {
  return taskBackends.get(alias);
}

/**
 * Sets the `TASKS` configuration (Django's `TASKS` setting) in the tsyringe container and drops the
 * backends created from the previous one (closing them in the background).
 *
 * @example
 * ```ts
 * configureTasks({
 *   default: { BACKEND: DatabaseBackend, QUEUES: [], OPTIONS: { url: "sqlite:./errand.sqlite3" } },
 *   fast: { BACKEND: ImmediateBackend },
 * });
 * ```
 * `configureTasks({})` leaves no backend at all: every lookup then fails, as in Django.
 * @throws InvalidTaskBackendError when an entry is not an object with valid BACKEND/QUEUES/OPTIONS.
 */
export function configureTasks(config: TasksConfig): void {
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new InvalidTaskBackendError("configureTasks() takes an object: { alias: { BACKEND, QUEUES?, OPTIONS? } }.");
  }
  for (const [alias, params] of Object.entries(config)) {
    checkParams(alias, params);
    resolveBackendClass(alias, params.BACKEND);
  }
  container.register(TASKS, { useValue: { ...config } }); // a new identity, so cached backends are dropped even for the same object
}

/**
 * The shape of `errand.config.ts`.
 * @typeParam S - schedule key → its task's arguments, inferred from `periodic` (so `args` is type-checked).
 */
export interface ErrandConfig<S extends Record<string, unknown[]> = Record<string, any[]>> {
  /** The `TASKS` configuration applied before the command runs. */
  TASKS?: TasksConfig;
  /** The tasks this process's workers run: exactly these names are claimed. */
  tasks: Task<any, any, any>[];
  /**
   * Periodic tasks (DESIGN §6): schedule key → `{ task, cron, timezone?, args?, queueName?,
   * priority?, backend?, catchUp? }`; see `ScheduleOptions`. @defaultValue none
   */
  periodic?: PeriodicConfig<S>;
}

/**
 * Declares the configuration file's default export, typed.
 * @example
 * ```ts
 * // errand.config.ts
 * import { defineConfig } from "errand";
 * import { DatabaseBackend } from "errand/backends/database";
 * import { sendWelcomeEmail } from "./tasks.js";
 * export default defineConfig({
 *   TASKS: { default: { BACKEND: DatabaseBackend, OPTIONS: { url: "sqlite:./errand.sqlite3" } } },
 *   tasks: [sendWelcomeEmail],
 * });
 * ```
 * With periodic tasks: `periodic: { nightlyCleanup: { task: cleanup, cron: "0 3 * * *", timezone: "Europe/Paris" } }`.
 * @throws ErrandError naming an unknown key (e.g. `TASK`, with "did you mean TASKS?").
 * @throws InvalidScheduleError naming the `periodic` entry and the fix (e.g. an invalid cron or time zone).
 */
export function defineConfig<S extends Record<string, unknown[]> = Record<string, any[]>>(config: ErrandConfig<S>): ErrandConfig<S> {
  checkConfigKeys(config);
  parseSchedules(config.periodic);
  return config;
}

/** The keys of {@link ErrandConfig}. */
export const CONFIG_KEYS: readonly (keyof ErrandConfig)[] = ["TASKS", "tasks", "periodic"];

/**
 * Checks that `config` has no keys besides {@link CONFIG_KEYS} (a `TASK:` typo would otherwise
 * silently leave errand's default ImmediateBackend in force).
 * @throws ErrandError naming the unknown key, with a did-you-mean.
 */
export function checkConfigKeys(config: object): void {
  for (const key of Object.keys(config)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
      throw new ErrandError(`The config has an unknown key "${key}"${didYouMean(key, CONFIG_KEYS)}; its keys are ${CONFIG_KEYS.join(", ")}.`);
    }
  }
}
