/**
 * A Hono application with errand's tasks app mounted under /tasks. `POST /signup` enqueues two tasks;
 * a scheduler (or you, with curl) calls `POST /tasks/run/` to run them; `/tasks/admin/` shows them.
 */
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import { configureTasks } from "errand";
import { DatabaseBackend } from "errand/backends/database";
import { bearerToken, createTasksApp } from "errand/http";
import { sendWelcomeEmail, syncCrm } from "./tasks.js";

const outDir = fileURLToPath(new URL("./out/", import.meta.url));
mkdirSync(outDir, { recursive: true });

configureTasks({
  default: { BACKEND: DatabaseBackend, QUEUES: [], OPTIONS: { url: process.env.ERRAND_URL ?? `sqlite:${outDir}errand.sqlite3` } },
});

const token = process.env.TASKS_TOKEN;
if (!token) throw new Error("Set TASKS_TOKEN: the bearer token that protects /tasks/*.");

/** The application: its own routes, and the tasks endpoints and admin page under /tasks. */
export const app = new Hono();

app.get("/", (c) => c.text("errand Hono example: POST /signup {\"email\": ...}, then POST /tasks/run/\n"));

app.post("/signup", async (c) => {
  const { email } = await c.req.json<{ email: string }>();
  const welcome = await sendWelcomeEmail.enqueue(email);
  const crm = await syncCrm.enqueue(email.length);
  return c.json({ enqueued: [welcome.id, crm.id] }, 202);
});

app.route("/tasks", createTasksApp({ auth: bearerToken(token) }));
