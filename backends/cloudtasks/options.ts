import { InvalidTaskBackendError } from "../../src/errors.js";
import { DATABASE_OPTION_NAMES, type DatabaseBackendOptions } from "../database/index.js";
import type { CloudTasksClientLike } from "./client.js";

/**
 * `OPTIONS` of a {@link CloudTasksBackend} entry in `TASKS`: the Cloud Tasks settings below plus every
 * {@link DatabaseBackendOptions} field (`url`, `orm`, `idFunction`, `timeout`, …). Everything is
 * optional where the environment tells it (see `detectGcpProject`, `detectGcpLocation`,
 * `detectTaskHandlerHost`).
 */
export interface CloudTasksBackendOptions extends DatabaseBackendOptions {
  /** The Google Cloud project of the queues. @defaultValue `detectGcpProject()` */
  project?: string;
  /** The queues' location (region), e.g. `"europe-west1"`. @defaultValue `await detectGcpLocation()` */
  location?: string;
  /**
   * Origin (and optional base path) the Cloud Tasks call back, e.g. `"https://app-abc123-ew.a.run.app"`.
   * Required on Cloud Run (its URL is not derivable from the environment).
   * @defaultValue on App Engine, `https://` + `detectTaskHandlerHost()`
   */
  handlerUrl?: string;
  /**
   * Where `createTasksApp` is mounted under `handlerUrl`; the Cloud Task's URL is
   * `<handlerUrl><handlerPath>/execute/<id>/?fail_on_error=true&allow_retry=true`. `""` for the root.
   * @defaultValue `"/tasks"`
   */
  handlerPath?: string;
  /**
   * The service account whose OIDC token Cloud Tasks attaches to each call (the app's service account
   * needs `roles/iam.serviceAccountUser` on it). @defaultValue none: calls carry no token
   */
  oidcServiceAccountEmail?: string;
  /** The token's audience. @defaultValue the origin of the handler URL (the Cloud Run service URL) */
  oidcAudience?: string;
  /** errand queue name → Cloud Tasks queue id. Unmapped names are used as they are. @defaultValue `{}` */
  queueMap?: Record<string, string>;
  /**
   * The Cloud Tasks client, e.g. `new CloudTasksClient({ ... })` from `@google-cloud/tasks` (or a client
   * pointed at a local server in tests). @defaultValue `new CloudTasksClient()`, created on first use
   * (Application Default Credentials), closed by `close()`
   */
  client?: CloudTasksClientLike;
}

/** The defaults of {@link CloudTasksBackendOptions}. */
export const CLOUD_TASKS_DEFAULTS = { handlerPath: "/tasks" } as const;

/** The option names CloudTasksBackend adds to DatabaseBackend's. */
export const CLOUD_TASKS_OPTION_NAMES = [
  "project",
  "location",
  "handlerUrl",
  "handlerPath",
  "oidcServiceAccountEmail",
  "oidcAudience",
  "queueMap",
  "client",
] as const;

/** A Cloud Tasks queue id: letters, digits and hyphens, at most 100. */
export const QUEUE_ID_RE = /^[A-Za-z0-9-]{1,100}$/;
const PATH_SEGMENT_RE = /^[A-Za-z0-9][A-Za-z0-9.:_-]*$/;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The Cloud Tasks fields of `OPTIONS`, checked, and the rest for DatabaseBackend. */
export interface SplitOptions {
  cloud: Omit<CloudTasksBackendOptions, keyof DatabaseBackendOptions>;
  database: Record<string, unknown>;
}

/**
 * Checks the Cloud Tasks fields of `OPTIONS` of the backend `alias` and splits them from the database
 * ones (which DatabaseBackend checks).
 * @throws InvalidTaskBackendError naming `TASKS.<alias>.OPTIONS.<field>` and the fix.
 */
export function checkCloudTasksOptions(alias: string, options: Record<string, unknown>): SplitOptions {
  const field = (name: string) => `TASKS.${alias}.OPTIONS.${name}`;
  const fail = (name: string, rule: string, value: unknown): never => {
    const shown = typeof value === "function" ? "a function" : (JSON.stringify(value) ?? String(value));
    throw new InvalidTaskBackendError(`${field(name)} ${rule}; got ${shown}.`);
  };
  const cloud: Record<string, unknown> = {};
  const database: Record<string, unknown> = {};
  const known = new Set<string>([...DATABASE_OPTION_NAMES.filter((n) => n !== "queues"), ...CLOUD_TASKS_OPTION_NAMES]);
  for (const [key, value] of Object.entries(options)) {
    if (key === "queues") {
      // errand enforces queue limits in its workers' claims; Cloud Tasks dispatches by itself.
      throw new InvalidTaskBackendError(
        `${field(key)} is not an option of CloudTasksBackend: Cloud Tasks dispatches the tasks itself, so limit each Cloud Tasks queue instead (its rateLimits.maxConcurrentDispatches and maxDispatchesPerSecond).`,
      );
    }
    if (!known.has(key)) throw new InvalidTaskBackendError(`${field(key)} is not an option of CloudTasksBackend; known: ${[...known].join(", ")}.`);
    if ((CLOUD_TASKS_OPTION_NAMES as readonly string[]).includes(key)) {
      if (value !== undefined) cloud[key] = value;
    } else database[key] = value;
  }
  const o = cloud as SplitOptions["cloud"];
  if (o.project !== undefined && !(typeof o.project === "string" && PATH_SEGMENT_RE.test(o.project))) {
    fail("project", 'must be a Google Cloud project id such as "my-project"', o.project);
  }
  if (o.location !== undefined && !(typeof o.location === "string" && /^[a-z][a-z0-9-]*[a-z0-9]$/.test(o.location))) {
    fail("location", 'must be a Cloud Tasks location such as "europe-west1"', o.location);
  }
  if (o.handlerUrl !== undefined) checkHandlerUrl(o.handlerUrl, (rule) => fail("handlerUrl", rule, o.handlerUrl));
  if (o.handlerPath !== undefined && !(typeof o.handlerPath === "string" && (o.handlerPath === "" || /^\/[^?#\s]*$/.test(o.handlerPath)))) {
    fail("handlerPath", 'must be "" or a path starting with "/" (where createTasksApp is mounted), without query or fragment', o.handlerPath);
  }
  if (o.oidcServiceAccountEmail !== undefined && !(typeof o.oidcServiceAccountEmail === "string" && EMAIL_RE.test(o.oidcServiceAccountEmail))) {
    fail("oidcServiceAccountEmail", 'must be a service account email such as "tasks-invoker@my-project.iam.gserviceaccount.com"', o.oidcServiceAccountEmail);
  }
  if (o.oidcAudience !== undefined && !(typeof o.oidcAudience === "string" && o.oidcAudience.trim() !== "")) {
    fail("oidcAudience", "must be a non-empty string (usually the service's URL)", o.oidcAudience);
  }
  if (o.oidcAudience !== undefined && o.oidcServiceAccountEmail === undefined) {
    throw new InvalidTaskBackendError(`${field("oidcAudience")} is set but ${field("oidcServiceAccountEmail")} is not: Cloud Tasks only sends a token for a service account.`);
  }
  if (o.queueMap !== undefined) {
    if (o.queueMap === null || typeof o.queueMap !== "object" || Array.isArray(o.queueMap)) fail("queueMap", "must be an object { errandQueue: cloudTasksQueueId }", o.queueMap);
    for (const [from, to] of Object.entries(o.queueMap)) {
      if (!(typeof to === "string" && QUEUE_ID_RE.test(to))) fail(`queueMap.${from}`, "must be a Cloud Tasks queue id (letters, digits and hyphens, at most 100)", to);
    }
  }
  if (o.client !== undefined && !(o.client !== null && typeof o.client === "object" && typeof (o.client as { createTask?: unknown }).createTask === "function")) {
    fail("client", "must be a CloudTasksClient from @google-cloud/tasks (an object with createTask)", o.client);
  }
  return { cloud: o, database };
}

/** Checks a handler URL; calls `fail(rule)` when it is unusable. */
export function checkHandlerUrl(value: unknown, fail: (rule: string) => never): void {
  let url: URL | undefined;
  try {
    url = typeof value === "string" ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || !(url.protocol === "https:" || url.protocol === "http:") || url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    fail('must be an absolute http(s) URL without query or fragment, e.g. "https://app-abc123-ew.a.run.app"');
  }
}
