import { randomBytes } from "node:crypto";
import { DEFAULT_TASK_BACKEND_ALIAS } from "../src/constants.js";
import { InvalidOptionError } from "../src/errors.js";
import { getRegisteredTask } from "../src/registry.js";
import type { Task } from "../src/task.js";
import { parseSchedules, type PeriodicConfig, type Schedule } from "../src/periodic/schedule.js";
import { checkAuth, type AuthHook, type TasksAppAuth } from "./auth.js";

/** Options of `createTasksApp`. Only `auth` is required. */
export interface TasksAppOptions {
  /**
   * Who may call the endpoints and open the admin page: `bearerToken(token)`, a hook, an array of
   * them (any accepts), or `"none"` to disable authentication explicitly. Required.
   */
  auth: TasksAppAuth;
  /** The backend alias used when a request names none (`backend_name`), and the admin page's table. @defaultValue `"default"` */
  backend?: string;
  /** The tasks that may run through this app. @defaultValue every task defined in the process when the request arrives */
  tasks?: readonly Task<any, any, any>[];
  /** Largest accepted request body, in bytes; larger bodies get 413. @defaultValue 65536 (64 KiB) */
  maxBodyBytes?: number;
  /**
   * Secret that signs the admin page's CSRF tokens. Set it (e.g. from an environment variable) when
   * several instances serve the admin page behind a load balancer. @defaultValue random per process
   */
  secret?: string;
  /** Tasks per admin page. @defaultValue 50 */
  pageSize?: number;
  /** Serve the admin page at `admin/`. @defaultValue true */
  admin?: boolean;
  /**
   * Which ids `execute/:id/` accepts; any other id is 404 without a database query (as Django's
   * `<uuid:task_id>`). @defaultValue UUIDs (what the default `idFunction` makes)
   */
  isTaskId?: (id: string) => boolean;
  /**
   * Also serve `run/`, `run-one/` and `purge/` on GET, with their parameters in the query string, for
   * schedulers that can only send GET (App Engine cron). Off by default: a GET that runs or deletes
   * tasks can be triggered by a link or an image on another site when a browser holds a session
   * (cross-site GETs are refused by `Sec-Fetch-Site` anyway, but older browsers do not send it).
   * Without it those routes answer GET with 405 and `Allow: POST`. HEAD never runs anything.
   * @defaultValue false
   */
  allowGetForCron?: boolean;
  /**
   * The config's periodic tasks (`defineConfig({ periodic })`), listed on the admin page's Schedules
   * page with their next and last fire times. The app never enqueues them (workers do).
   * @defaultValue none
   */
  periodic?: PeriodicConfig;
}

/** The defaults of {@link TasksAppOptions}. */
export const TASKS_APP_DEFAULTS = { maxBodyBytes: 64 * 1024, pageSize: 50 } as const;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The checked options, as the routes use them. */
export interface TasksAppSettings {
  hooks: readonly AuthHook[] | "none";
  backend: string;
  tasks: readonly Task<any, any, any>[] | undefined;
  maxBodyBytes: number;
  secret: Buffer;
  pageSize: number;
  admin: boolean;
  isTaskId: (id: string) => boolean;
  allowGetForCron: boolean;
  /** The checked `periodic` option. */
  schedules: readonly Schedule[];
  /** Whether a task of this name may run through this app. */
  mayRun(name: string): boolean;
}

function wholeNumber(name: string, value: unknown, min: number): void {
  if (!(Number.isInteger(value) && (value as number) >= min)) {
    throw new InvalidOptionError(name, `createTasksApp option ${name} must be a whole number >= ${min}; got ${String(value)}.`);
  }
}

/**
 * Checks the options and fills in the defaults.
 * @throws InvalidOptionError naming the bad option; always when `auth` is missing.
 */
export function resolveSettings(options: TasksAppOptions): TasksAppSettings {
  if (options === null || typeof options !== "object") throw new InvalidOptionError("options", "createTasksApp takes an options object with at least `auth`.");
  const hooks = checkAuth(options.auth);
  const maxBodyBytes = options.maxBodyBytes ?? TASKS_APP_DEFAULTS.maxBodyBytes;
  const pageSize = options.pageSize ?? TASKS_APP_DEFAULTS.pageSize;
  wholeNumber("maxBodyBytes", maxBodyBytes, 1);
  wholeNumber("pageSize", pageSize, 1);
  if (options.secret !== undefined && (typeof options.secret !== "string" || options.secret.length < 16)) {
    throw new InvalidOptionError("secret", "createTasksApp option secret must be a string of at least 16 characters.");
  }
  if (options.allowGetForCron !== undefined && typeof options.allowGetForCron !== "boolean") {
    throw new InvalidOptionError("allowGetForCron", "createTasksApp option allowGetForCron must be true or false.");
  }
  if (options.tasks !== undefined && !Array.isArray(options.tasks)) throw new InvalidOptionError("tasks", "createTasksApp option tasks must be an array of tasks.");
  const names = options.tasks ? new Set(options.tasks.map((t) => t.name)) : null;
  return {
    hooks,
    backend: options.backend ?? DEFAULT_TASK_BACKEND_ALIAS,
    tasks: options.tasks,
    maxBodyBytes,
    secret: options.secret ? Buffer.from(options.secret, "utf8") : randomBytes(32),
    pageSize,
    admin: options.admin ?? true,
    isTaskId: options.isTaskId ?? ((id) => UUID_RE.test(id)),
    allowGetForCron: options.allowGetForCron ?? false,
    schedules: parseSchedules(options.periodic),
    mayRun: (name) => (names ? names.has(name) : getRegisteredTask(name) !== undefined),
  };
}
