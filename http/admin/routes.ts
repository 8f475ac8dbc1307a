import type { Context } from "hono";
import { loginSecrets } from "../auth.js";
import { BadRequestError, readBody } from "../body.js";
import { NotFoundError, type TasksAppEnv } from "../guard.js";
import type { TasksAppSettings } from "../options.js";
import { backendParam, hasNul } from "../params.js";
import { recordToResult } from "../../src/worker/record-to-result.js";
import { purgeCompletedTasks } from "../../src/worker/index.js";
import type { TasksRoute } from "../route.js";
import { checkDays, parseStatuses } from "../routes/purge.js";
import { MAX_SELECTED, cancelSelected, runSelected } from "./actions.js";
import { csrfToken, csrfValid } from "./csrf.js";
import { dashboardData, DASHBOARD_REFRESH_SECONDS, refreshParam } from "./dashboard-data.js";
import { dashboardPage } from "./dashboard-page.js";
import { detailPage } from "./detail-page.js";
import { errorPage } from "./error-page.js";
import { page } from "./layout.js";
import { cleanBackQuery, parseListParams, readNotice } from "./list-params.js";
import { listPage } from "./list-page.js";
import { loginPage, safeNext } from "./login-page.js";
import { purgePage } from "./purge-page.js";
import { queueRoutes } from "./queue-routes.js";
import { schedulesPage } from "./schedules-page.js";
import { scheduleReport } from "../../src/worker/schedule-report.js";
import { schedulesFor } from "../../src/worker/scheduling.js";
import { clearSessionCookie, sessionCookie } from "./session.js";

/** Most distinct queues, backends and task names each admin filter offers. */
const FILTER_CHOICES_LIMIT = 200;

/**
 * `Promise.all` that waits for every query before it rejects: a query still in flight after the
 * response (the others failed, e.g. no table) would hold a pooled connection while the app shuts down.
 */
async function settleAll<T extends readonly unknown[]>(promises: readonly [...{ [K in keyof T]: Promise<T[K]> }]): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((s) => s.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

function redirect(location: string, headers: Record<string, string> = {}): Response {
  // Relative Location: resolved against the request URL, so it works under any mount prefix.
  return new Response(null, { status: 303, headers: { location, "cache-control": "no-store", ...headers } });
}

async function readForm(c: Context<TasksAppEnv>, settings: TasksAppSettings): Promise<URLSearchParams> {
  const type = c.req.header("content-type") ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded")) throw new BadRequestError("Expected a form (application/x-www-form-urlencoded)");
  return new URLSearchParams(await readBody(c.req.raw, settings.maxBodyBytes));
}

function csrfFailed(endpoint: string): Response {
  return errorPage(403, "This form has expired or did not come from this page: reload the page and try again.", endpoint);
}

/**
 * Login and logout, when `auth` includes a `bearerToken`: the form takes the same token, compared in
 * constant time, and answers with the session cookie (see session.ts) and a redirect back.
 */
function loginRoutes(settings: TasksAppSettings): TasksRoute[] {
  const secrets = loginSecrets(settings.hooks);
  if (secrets.length === 0) return [];
  return [
    { endpoint: "admin.login", paths: ["/admin/login/"], methods: ["GET"], public: true, handler: (c) => loginPage(c.req.raw, 200, undefined, safeNext(c.req.query("next"))) },
    {
      endpoint: "admin.login",
      paths: ["/admin/login/"],
      methods: ["POST"],
      public: true,
      handler: async (c) => {
        const form = await readForm(c, settings);
        const next = safeNext(form.get("next"));
        const typed = form.get("secret") ?? "";
        // Every secret is compared (no early exit), so the time taken does not say which one matched.
        const matched = secrets.map((s) => (s.matches(typed) ? s : null)).find((s) => s !== null);
        if (!matched) return loginPage(c.req.raw, 401, "Wrong token.", next);
        return redirect(`../${next}`, { "set-cookie": sessionCookie(c.req.raw, matched) });
      },
    },
    {
      endpoint: "admin.logout",
      paths: ["/admin/logout/"],
      methods: ["POST"],
      public: true,
      handler: (c) => {
        return redirect("../login/", { "set-cookie": clearSessionCookie(c.req.raw) });
      },
    },
  ];
}

/** The admin page's routes: list, detail, run/retry actions, purge with confirmation, login. */
export function adminRoutes(settings: TasksAppSettings): TasksRoute[] {
  const backendOf = () => backendParam(undefined, settings.backend);
  return [
    ...loginRoutes(settings),
    ...queueRoutes(settings),
    { endpoint: "admin.list", paths: ["/admin"], methods: ["GET"], handler: () => redirect("admin/") },
    {
      endpoint: "admin.list",
      paths: ["/admin/"],
      methods: ["GET"],
      handler: async (c) => {
        const backend = backendOf();
        const store = backend.taskStore;
        const params = parseListParams((k) => c.req.query(k));
        const now = new Date();
        const [list, total, counts, choices] = await settleAll([
          store.list({ ...params.filter, limit: settings.pageSize, offset: (params.page - 1) * settings.pageSize }),
          store.count(params.filter),
          store.statusCounts(),
          store.filterChoices(FILTER_CHOICES_LIMIT),
        ]);
        const rows = list.items;
        const csrf = csrfToken(c, settings.secret);
        const notice = readNotice((k) => c.req.query(k));
        const body = listPage({ backend: backend.alias, params, rows, total, pageSize: settings.pageSize, counts, choices, csrf: csrf.token, notice, now });
        // `?refresh=N` reloads the list every N seconds (the dashboard links to it).
        const refreshSeconds = refreshParam(c.req.query("refresh"), 0);
        return page({ title: "Tasks", body, root: "", headers: csrf.headers, logout: c.get("adminSession"), refreshSeconds });
      },
    },
    {
      endpoint: "admin.dashboard",
      paths: ["/admin/dashboard/"],
      methods: ["GET"],
      handler: async (c) => {
        const backend = backendOf();
        const refreshSeconds = refreshParam(c.req.query("refresh"), DASHBOARD_REFRESH_SECONDS);
        const data = await dashboardData(backend, refreshSeconds);
        return page({ title: "Dashboard", body: dashboardPage(data), root: "../", logout: c.get("adminSession"), refreshSeconds });
      },
    },
    {
      endpoint: "admin.detail",
      paths: ["/admin/tasks/:id/"],
      methods: ["GET"],
      handler: async (c) => {
        const backend = backendOf();
        const id = c.req.param("id") ?? "";
        const record = id.length <= 64 && !hasNul(id) ? await backend.taskStore.get(id) : undefined;
        if (!record) throw new NotFoundError("Task not found");
        const detail = {
          result: recordToResult(record),
          priority: record.priority,
          queueName: record.queueName,
          backendName: record.backendName,
          attempts: record.attempts,
          maxAttempts: record.maxAttempts,
          runAfter: record.runAfter,
          availableAt: record.availableAt,
          leaseExpiresAt: record.leaseExpiresAt,
          lockedBy: record.lockedBy,
        };
        const csrf = csrfToken(c, settings.secret);
        const body = detailPage(detail, csrf.token, readNotice((k) => c.req.query(k)), new Date());
        return page({ title: detail.result.task.name, body, root: "../../", headers: csrf.headers, logout: c.get("adminSession") });
      },
    },
    {
      endpoint: "admin.actions",
      paths: ["/admin/actions/"],
      methods: ["POST"],
      handler: async (c) => {
        const form = await readForm(c, settings);
        if (!csrfValid(c, settings.secret, form.get("csrf") ?? undefined)) return csrfFailed("admin.actions");
        const action = form.get("action");
        if (action !== "run" && action !== "retry" && action !== "cancel") throw new BadRequestError("Unknown action");
        const ids = form.getAll("id").filter((id) => id !== "" && !hasNul(id));
        if (ids.length > MAX_SELECTED) throw new BadRequestError(`Select at most ${MAX_SELECTED} tasks at a time`);
        const back = cleanBackQuery(form.get("back") ?? undefined);
        const fromDetail = form.get("from") === "detail" && ids.length === 1;
        if (ids.length === 0) {
          back.set("done", "none");
          return redirect(`../?${back}`);
        }
        const outcome = action === "cancel" ? await cancelSelected(backendOf(), ids) : await runSelected(settings, backendOf(), ids, action);
        if (action !== "cancel") c.set("tasksProcessed", outcome.ok + outcome.failed);
        const done = new URLSearchParams({ done: action, ok: String(outcome.ok), failed: String(outcome.failed), skipped: String(outcome.skipped) });
        if (fromDetail) return redirect(`../tasks/${encodeURIComponent(ids[0] ?? "")}/?${done}`);
        for (const [k, v] of done) back.set(k, v);
        return redirect(`../?${back}`);
      },
    },
    {
      endpoint: "admin.schedules",
      paths: ["/admin/schedules/"],
      methods: ["GET"],
      handler: async (c) => {
        const backend = backendOf();
        const lines = await scheduleReport(schedulesFor(settings.schedules, backend.alias), backend.taskStore.slots);
        return page({ title: "Schedules", body: schedulesPage(lines, backend.alias), root: "../", logout: c.get("adminSession") });
      },
    },
    {
      endpoint: "admin.purge",
      paths: ["/admin/purge/"],
      methods: ["GET", "POST"],
      handler: async (c) => {
        const backend = backendOf();
        if (c.req.method === "POST") {
          const form = await readForm(c, settings);
          if (!csrfValid(c, settings.secret, form.get("csrf") ?? undefined)) return csrfFailed("admin.purge");
          if (form.get("confirm") !== "yes") throw new BadRequestError("Tick the confirmation box to delete tasks");
          const days = checkDays(Number(form.get("days") ?? "0"));
          const summary = await purgeCompletedTasks({ days, statuses: parseStatuses(form.get("status") ?? undefined), backend: backend.alias });
          c.set("tasksProcessed", summary.deleted);
          return redirect(`../?done=purge&deleted=${summary.deleted}`);
        }
        const preview = c.req.query("preview") !== undefined;
        const daysText = c.req.query("days") ?? "30";
        const days = /^\d{1,5}$/.test(daysText) ? Number(daysText) : 30;
        const chosen = c.req.queries("status");
        const statuses = preview ? (chosen && chosen.length > 0 ? parseStatuses(chosen.join(",")) : []) : (["SUCCESSFUL", "FAILED"] as const);
        if (preview && statuses.length === 0) throw new BadRequestError("No valid statuses specified");
        const count = preview ? (await purgeCompletedTasks({ days, statuses, dryRun: true, backend: backend.alias })).matched : null;
        const csrf = csrfToken(c, settings.secret);
        return page({ title: "Purge", body: purgePage({ days, statuses, count }, csrf.token), root: "../", headers: csrf.headers, logout: c.get("adminSession") });
      },
    },
  ];
}
