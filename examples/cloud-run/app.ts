/**
 * A Hono application for Cloud Run: errand's CloudTasksBackend stores each task in PostgreSQL and
 * creates one Cloud Task that POSTs the task id back to `/tasks/execute/<id>/`, where
 * `createTasksApp` runs it. Those calls must carry a Cloud Tasks OIDC token (verifyCloudTasksOidc).
 * Configuration comes from the environment: see config.ts.
 */
import { Hono } from "hono";
import { configureTasks, taskBackends } from "errand";
import { verifyCloudTasksOidc } from "errand/backends/cloudtasks";
import { createTasksApp } from "errand/http";
import { TASKS } from "./config.js";
import { buildReport, sendWelcomeEmail } from "./tasks.js";

configureTasks(TASKS);

// Fail the deploy (the container does not start) when the configuration is incomplete.
const problems = await taskBackends.default.check();
if (problems.length > 0) throw new Error(`errand configuration:\n${problems.join("\n")}`);

/** The application: its own routes, and the tasks endpoints under /tasks for Cloud Tasks. */
export const app = new Hono();

app.get("/", (c) => c.text("errand on Cloud Run: POST /signup {\"email\": ...}\n"));

app.post("/signup", async (c) => {
  const { email } = await c.req.json<{ email: string }>();
  const welcome = await sendWelcomeEmail.enqueue(email);
  const report = await buildReport.using({ runAfter: new Date(Date.now() + 60_000) }).enqueue(email);
  return c.json({ enqueued: [welcome.id, report.id] }, 202);
});

app.get("/signup/:id", async (c) => {
  const result = await taskBackends.default.getResult(c.req.param("id"));
  return c.json({ id: result.id, status: result.status, attempts: result.attempts });
});

// Audience (SERVICE_URL's origin) and service account (TASKS_INVOKER_SA) come from the backend's OPTIONS;
// verifyCloudTasksOidc throws at startup if no audience can be determined.
app.route("/tasks", createTasksApp({ auth: verifyCloudTasksOidc(), admin: false }));
