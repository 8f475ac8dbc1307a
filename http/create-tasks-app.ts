import type { Hono } from "hono";
import { adminRoutes } from "./admin/routes.js";
import { jsonError } from "./body.js";
import { errorHandler, guard, methodNotAllowed, type TasksAppEnv } from "./guard.js";
import { resolveSettings, type TasksAppOptions } from "./options.js";
import { loadHono } from "./peer.js";
import { bothSlashes, type TasksRoute } from "./route.js";
import { cancelRoute } from "./routes/cancel.js";
import { executeRoute } from "./routes/execute.js";
import { metricsRoute } from "./routes/metrics.js";
import { purgeRoute } from "./routes/purge.js";
import { runOneTaskRoute, runTasksRoute } from "./routes/run.js";
import { statusRoute } from "./routes/status.js";

const ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/**
 * The HTTP endpoints of django-database-task plus an admin page, as a web-standard Hono app that
 * runs the tasks of any store backend (a DatabaseBackend, …) in the request (for serverless and PaaS deployments
 * where a scheduler or Cloud Tasks calls in, instead of a long-running worker):
 *
 * | route | method | |
 * |---|---|---|
 * | `run/` | POST | run up to `max_tasks` (1–100, default 10) due tasks |
 * | `run-one/` | POST | run one due task |
 * | `status/` | GET | counts by status, pending wait times |
 * | `execute/:id/` | POST | run one task by id (Cloud Tasks) |
 * | `cancel/:id/` | POST | cancel one task by id (errand's extension) |
 * | `purge/` | POST | delete finished tasks |
 * | `metrics/` | GET | Prometheus text: task counts, queue depth, oldest READY age, this process's attempts (needs `prom-client`) |
 * | `admin/` | GET | the admin page (list, detail, run/retry, purge; a login form for a `bearerToken`) |
 *
 * `run/`, `run-one/` and `purge/` also answer GET with `allowGetForCron: true`. Every route requires
 * the `auth` option's approval: requests it rejects get 401 and run nothing. Routes that run, cancel or
 * delete tasks refuse HEAD, cross-site requests (`Sec-Fetch-Site`, `Origin`) and non-JSON bodies.
 * Mount it under any prefix: `app.route("/tasks", createTasksApp(...))` in Hono, or through
 * `@hono/node-server`'s `getRequestListener(tasksApp.fetch)` in Node's http, Express or Fastify.
 *
 * @throws InvalidOptionError when `auth` is missing (pass `"none"` to disable authentication explicitly)
 *   or another option is invalid; InvalidScheduleError for an invalid `periodic` entry; MissingPeerError
 *   when the `hono` package is not installed.
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { bearerToken, createTasksApp } from "errand/http";
 * const app = new Hono();
 * app.route("/tasks", createTasksApp({ auth: bearerToken(process.env.TASKS_TOKEN!) }));
 * ```
 */
export function createTasksApp(options: TasksAppOptions): Hono<TasksAppEnv> {
  const settings = resolveSettings(options);
  const HonoClass = loadHono();
  const app = new HonoClass<TasksAppEnv>();
  const cron = settings.allowGetForCron ? ["POST", "GET"] : ["POST"];
  const routes: TasksRoute[] = [
    { endpoint: "run", paths: bothSlashes("/run/"), methods: cron, mutating: true, handler: runTasksRoute(settings) },
    { endpoint: "run-one", paths: bothSlashes("/run-one/"), methods: cron, mutating: true, handler: runOneTaskRoute(settings) },
    { endpoint: "status", paths: bothSlashes("/status/"), methods: ["GET"], handler: statusRoute(settings) },
    { endpoint: "execute", paths: bothSlashes("/execute/:id/"), methods: ["POST"], mutating: true, handler: executeRoute(settings) },
    { endpoint: "cancel", paths: bothSlashes("/cancel/:id/"), methods: ["POST"], mutating: true, handler: cancelRoute(settings) },
    { endpoint: "purge", paths: bothSlashes("/purge/"), methods: cron, mutating: true, handler: purgeRoute(settings) },
    { endpoint: "metrics", paths: bothSlashes("/metrics/"), methods: ["GET"], handler: metricsRoute(settings) },
    ...(settings.admin ? adminRoutes(settings) : []),
  ];
  const byPath = new Map<string, TasksRoute[]>();
  for (const route of routes) {
    app.on([...route.methods], [...route.paths], guard(settings, route), route.handler);
    for (const path of route.paths) byPath.set(path, [...(byPath.get(path) ?? []), route]);
  }
  // Registered after the real handlers: any other method on a known path is a 405 (after auth).
  for (const [path, rs] of byPath) {
    const allowed = [...new Set(rs.flatMap((r) => r.methods))];
    const others = ALL_METHODS.filter((m) => !allowed.includes(m));
    const first = rs[0];
    if (first) app.on(others, path, guard(settings, { endpoint: first.endpoint, methods: allowed, public: rs.every((r) => r.public) }), methodNotAllowed(allowed));
  }
  app.notFound(() => jsonError(404, "Not found"));
  app.onError(errorHandler(settings));
  return app;
}
