/**
 * An Express application with errand's tasks app mounted under /tasks through @hono/node-server's
 * `getRequestListener`, which turns the app's web-standard `fetch` into a Node request listener.
 * Mount it before any body parser (`express.json()`): the tasks app reads the request body itself.
 */
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { getRequestListener } from "@hono/node-server";
import express from "express";
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
export const app = express();

// Express strips the /tasks prefix before the listener sees the URL; the tasks app's links and
// redirects are relative, so they work under any prefix.
app.use("/tasks", getRequestListener(createTasksApp({ auth: bearerToken(token) }).fetch));

app.use(express.json());

app.get("/", (_req, res) => {
  res.type("text").send('errand Express example: POST /signup {"email": ...}, then POST /tasks/run/\n');
});

app.post("/signup", async (req, res) => {
  const email = String((req.body as { email?: unknown }).email);
  const welcome = await sendWelcomeEmail.enqueue(email);
  const crm = await syncCrm.enqueue(email.length);
  res.status(202).json({ enqueued: [welcome.id, crm.id] });
});
