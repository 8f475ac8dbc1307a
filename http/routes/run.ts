import type { Context } from "hono";
import { processOneTask, processTasks } from "../../src/worker/index.js";
import { readJsonObject, jsonResponse, jsonError } from "../body.js";
import { intFromQuery } from "./purge.js";
import type { TasksAppEnv } from "../guard.js";
import type { TasksAppSettings } from "../options.js";
import { backendParam, optionalString, resultJson } from "../params.js";

/** Most tasks one `run/` call may process (django-database-task's limit). */
export const MAX_TASKS_PER_CALL = 100;

/**
 * The parameters of a run call: the JSON body of a POST, or the query string of a GET (served only
 * with the app option `allowGetForCron`, for schedulers that can only send GET).
 */
async function readRunParams(c: Context<TasksAppEnv>, settings: TasksAppSettings): Promise<Record<string, unknown>> {
  if (c.req.method !== "GET") return readJsonObject(c.req.raw, settings.maxBodyBytes);
  const maxTasks = c.req.query("max_tasks");
  return {
    ...(maxTasks !== undefined && { max_tasks: intFromQuery("max_tasks", maxTasks, 10) }),
    queue_name: c.req.query("queue_name"),
    backend_name: c.req.query("backend_name"),
  };
}

/**
 * `POST run/` `{ max_tasks?: 1-100 (10), queue_name?, backend_name? }` → `{ processed, results }`:
 * runs due tasks one after another in this request (first taking back tasks whose lease expired).
 */
export function runTasksRoute(settings: TasksAppSettings) {
  return async (c: Context<TasksAppEnv>): Promise<Response> => {
    const data = await readRunParams(c, settings);
    const backend = backendParam(data.backend_name, settings.backend);
    const maxTasks = "max_tasks" in data ? data.max_tasks : 10;
    if (!(typeof maxTasks === "number" && Number.isInteger(maxTasks) && maxTasks >= 1)) return jsonError(400, "max_tasks must be a positive integer");
    if (maxTasks > MAX_TASKS_PER_CALL) return jsonError(400, `max_tasks cannot exceed ${MAX_TASKS_PER_CALL}`);
    const queueName = optionalString("queue_name", data.queue_name);
    const results = await processTasks({ maxTasks, queueName, backend: backend.alias, tasks: settings.tasks });
    c.set("tasksProcessed", results.length);
    return jsonResponse({ processed: results.length, results: results.map(resultJson) });
  };
}

/**
 * `POST run-one/` `{ queue_name?, backend_name? }` → `{ processed: true, result }`, or
 * `{ processed: false, result: null }` when nothing is due.
 */
export function runOneTaskRoute(settings: TasksAppSettings) {
  return async (c: Context<TasksAppEnv>): Promise<Response> => {
    const data = await readRunParams(c, settings);
    const backend = backendParam(data.backend_name, settings.backend);
    const queueName = optionalString("queue_name", data.queue_name);
    const result = await processOneTask({ queueName, backend: backend.alias, tasks: settings.tasks });
    if (!result) return jsonResponse({ processed: false, result: null });
    c.set("tasksProcessed", 1);
    return jsonResponse({ processed: true, result: resultJson(result) });
  };
}
