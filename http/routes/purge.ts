import type { Context } from "hono";
import { purgeCompletedTasks } from "../../src/worker/index.js";
import { BadRequestError, jsonResponse, readJsonObject } from "../body.js";
import type { TasksAppEnv } from "../guard.js";
import type { TasksAppSettings } from "../options.js";
import { backendParam, optionalString, queryFlag } from "../params.js";

/** Largest `batch_size` a purge call accepts. */
export const MAX_PURGE_BATCH_SIZE = 10_000;

/** Largest `days` a purge accepts (about 270 years): beyond it the cut-off date is not a valid date. */
export const MAX_PURGE_DAYS = 100_000;

/** What `status` may name (CANCELLED: errand's extension), and the default. */
const FINISHED = ["SUCCESSFUL", "FAILED", "CANCELLED"] as const;
const DEFAULT_STATUSES = "SUCCESSFUL,FAILED";

/**
 * `days` checked: a whole number from 0 to {@link MAX_PURGE_DAYS}.
 * @throws BadRequestError naming the range otherwise.
 */
export function checkDays(days: unknown): number {
  if (!(typeof days === "number" && Number.isInteger(days) && days >= 0)) throw new BadRequestError("days must be a non-negative integer");
  if (days > MAX_PURGE_DAYS) throw new BadRequestError(`days cannot exceed ${MAX_PURGE_DAYS}`);
  return days;
}

interface PurgeParams {
  days: unknown;
  status: unknown;
  batchSize: unknown;
  dryRun: unknown;
  queueName: unknown;
  taskPath: unknown;
  backendName: unknown;
}

/** An integer query parameter (`days=30`), or `fallback` when absent. @throws BadRequestError when not an integer. */
export function intFromQuery(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\s*[+-]?\d+\s*$/.test(text)) throw new BadRequestError(`${name} must be an integer`);
  return Number(text);
}

async function readParams(c: Context<TasksAppEnv>, settings: TasksAppSettings): Promise<PurgeParams> {
  if (c.req.method === "GET") {
    const q = (name: string) => c.req.query(name);
    return {
      days: intFromQuery("days", q("days"), 0),
      status: q("status"),
      batchSize: intFromQuery("batch_size", q("batch_size"), 1000),
      dryRun: queryFlag(q("dry_run")),
      queueName: q("queue_name"),
      taskPath: q("task_path"),
      backendName: q("backend_name"),
    };
  }
  const d = await readJsonObject(c.req.raw, settings.maxBodyBytes);
  return { days: d.days, status: d.status, batchSize: d.batch_size, dryRun: d.dry_run, queueName: d.queue_name, taskPath: d.task_path, backendName: d.backend_name };
}

/** The finished statuses named in a comma-separated list; unknown names are ignored. */
export function parseStatuses(text: unknown): (typeof FINISHED)[number][] {
  if (text === undefined || text === null) text = DEFAULT_STATUSES;
  if (typeof text !== "string") throw new BadRequestError("status must be a comma-separated string");
  const wanted = new Set(text.split(",").map((s) => s.trim().toUpperCase()));
  const statuses = FINISHED.filter((s) => wanted.has(s));
  if (statuses.length === 0) throw new BadRequestError("No valid statuses specified");
  return statuses;
}

/**
 * `POST purge/` (and GET, from the query string, with the app option `allowGetForCron`): deletes
 * finished tasks.
 * Parameters `days` (0 = all), `status` (`"SUCCESSFUL,FAILED"`; `CANCELLED` may be named too), `batch_size` (1000, max 10000),
 * `dry_run`, `queue_name`, `task_path`, `backend_name`. → `{ deleted, dry_run: false }` or
 * `{ count, dry_run: true }`.
 */
export function purgeRoute(settings: TasksAppSettings) {
  return async (c: Context<TasksAppEnv>): Promise<Response> => {
    const p = await readParams(c, settings);
    const backend = backendParam(p.backendName, settings.backend);
    const days = checkDays(p.days ?? 0);
    const batchSize = p.batchSize ?? 1000;
    if (!(typeof batchSize === "number" && Number.isInteger(batchSize) && batchSize >= 1)) throw new BadRequestError("batch_size must be a positive integer");
    if (batchSize > MAX_PURGE_BATCH_SIZE) throw new BadRequestError(`batch_size cannot exceed ${MAX_PURGE_BATCH_SIZE}`);
    const dryRun = p.dryRun ?? false;
    if (typeof dryRun !== "boolean") throw new BadRequestError("dry_run must be a boolean");
    const summary = await purgeCompletedTasks({
      days,
      statuses: parseStatuses(p.status),
      batchSize,
      dryRun,
      queueName: optionalString("queue_name", p.queueName),
      taskPath: optionalString("task_path", p.taskPath),
      backend: backend.alias,
    });
    if (dryRun) return jsonResponse({ count: summary.matched, dry_run: true });
    c.set("tasksProcessed", summary.deleted);
    return jsonResponse({ deleted: summary.deleted, dry_run: false });
  };
}
