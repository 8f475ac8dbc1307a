import type { Context } from "hono";
import { BadRequestError, readBody } from "../body.js";
import type { TasksAppEnv } from "../guard.js";
import type { TasksAppSettings } from "../options.js";
import { backendParam, hasNul } from "../params.js";
import type { TasksRoute } from "../route.js";
import { getQueueReport, setQueuePaused } from "../../src/worker/queue-report.js";
import { csrfToken, csrfValid } from "./csrf.js";
import { errorPage } from "./error-page.js";
import { page } from "./layout.js";
import { queuesPage } from "./queues-page.js";

/** The admin's Queues page: GET lists the queues, POST pauses or resumes one (CSRF-checked), then redirects back. */
export function queueRoutes(settings: TasksAppSettings): TasksRoute[] {
  const backendOf = () => backendParam(undefined, settings.backend);
  const handler = async (c: Context<TasksAppEnv>): Promise<Response> => {
    const backend = backendOf();
    if (c.req.method === "POST") {
      if (!(c.req.header("content-type") ?? "").startsWith("application/x-www-form-urlencoded")) throw new BadRequestError("Expected a form (application/x-www-form-urlencoded)");
      const form = new URLSearchParams(await readBody(c.req.raw, settings.maxBodyBytes));
      if (!csrfValid(c, settings.secret, form.get("csrf") ?? undefined)) {
        return errorPage(403, "This form has expired or did not come from this page: reload the page and try again.", "admin.queues");
      }
      const action = form.get("action");
      const queue = form.get("queue") ?? "";
      if (action !== "pause" && action !== "resume") throw new BadRequestError("Unknown action");
      if (queue === "" || queue.length > 255 || hasNul(queue)) throw new BadRequestError("Invalid queue name");
      await setQueuePaused(queue, action === "pause", { backend: backend.alias });
      const done = new URLSearchParams({ done: action, queue });
      return new Response(null, { status: 303, headers: { location: `./?${done}`, "cache-control": "no-store" } });
    }
    const report = await getQueueReport({ backend: backend.alias });
    const done = c.req.query("done");
    const queue = c.req.query("queue");
    const notice = (done === "pause" || done === "resume") && queue ? `Queue '${queue}' ${done === "pause" ? "paused" : "resumed"}.` : undefined;
    const csrf = csrfToken(c, settings.secret);
    return page({ title: "Queues", body: queuesPage(report.queues, backend.alias, csrf.token, notice), root: "../", headers: csrf.headers, logout: c.get("adminSession") });
  };
  return [{ endpoint: "admin.queues", paths: ["/admin/queues/"], methods: ["GET", "POST"], handler }];
}
