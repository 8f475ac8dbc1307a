/** The tasks app behind real HTTP servers on 127.0.0.1: Hono + @hono/node-server, and Express. */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import test from "ava";
import { captureLogs, clearTasks, httpAdd, setUpDatabases, statusOf, tearDownDatabases } from "./support.js";
import { getRequestListener, serve } from "@hono/node-server";
import express from "express";
import { Hono } from "hono";
import { bearerToken, createTasksApp } from "../../http/index.js";

const TOKEN = "server-test-token";
const auth = { authorization: `Bearer ${TOKEN}` };
const servers: Server[] = [];

async function listen(server: Server): Promise<string> {
  servers.push(server);
  if (!server.listening) await new Promise<void>((resolve) => server.once("listening", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test.before(async () => {
  captureLogs();
  await setUpDatabases();
});
test.after.always(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await tearDownDatabases();
});

test.serial("Hono on @hono/node-server: the endpoints under /tasks over real HTTP", async (t) => {
  await clearTasks("default");
  const app = new Hono();
  app.get("/", (c) => c.text("home"));
  app.route("/tasks", createTasksApp({ auth: bearerToken(TOKEN), allowGetForCron: true }));
  const base = await listen(serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server);

  const r = await httpAdd.enqueue(2, 40);
  t.is((await fetch(`${base}/tasks/run/`, { method: "POST" })).status, 401);
  t.is(await statusOf("default", r.id), "READY");
  const status = (await (await fetch(`${base}/tasks/status/`, { headers: auth })).json()) as Record<string, unknown>;
  t.like(status, { pending_count: 1, delayed_count: 0, running_count: 0, successful_count: 0, failed_count: 0 });
  t.regex(String(status.oldest_pending_wait), /^PT[\d.]+S$/);
  const run = await fetch(`${base}/tasks/run/`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ max_tasks: 5 }) });
  t.deepEqual(await run.json(), { processed: 1, results: [{ id: r.id, status: "SUCCESSFUL", task_path: "http.add", metadata: {} }] });
  t.deepEqual(await (await fetch(`${base}/tasks/purge/?dry_run=true`, { headers: auth })).json(), { count: 1, dry_run: true });
  const big = await fetch(`${base}/tasks/run-one/`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ pad: "x".repeat(200_000) }) });
  t.is(big.status, 413);
  t.is((await fetch(`${base}/tasks/run/`, { method: "PUT", headers: auth })).status, 405);
  const admin = await fetch(`${base}/tasks/admin`, { headers: auth, redirect: "manual" });
  t.is(admin.status, 303);
  t.is(new URL(admin.headers.get("location") ?? "", admin.url).pathname, "/tasks/admin/");
  const page = await fetch(`${base}/tasks/admin/`, { headers: auth });
  t.is(page.status, 200);
  t.regex(await page.text(), /http\.add/);
  t.is(await (await fetch(`${base}/`)).text(), "home");
});

test.serial("Express: mounted with getRequestListener under /tasks", async (t) => {
  await clearTasks("default");
  const tasksApp = createTasksApp({ auth: bearerToken(TOKEN) });
  const app = express();
  app.use("/tasks", getRequestListener(tasksApp.fetch));
  app.get("/", (_req, res) => void res.send("express home"));
  const base = await listen(app.listen(0, "127.0.0.1"));

  const r = await httpAdd.enqueue(1, 2);
  t.is((await fetch(`${base}/tasks/execute/${r.id}/`, { method: "POST" })).status, 401);
  const exec = await fetch(`${base}/tasks/execute/${r.id}/`, { method: "POST", headers: auth });
  t.deepEqual(await exec.json(), { executed: true, result: { id: r.id, status: "SUCCESSFUL", task_path: "http.add", metadata: {} } });
  t.like(await (await fetch(`${base}/tasks/status/`, { headers: auth })).json(), { successful_count: 1 });
  const admin = await fetch(`${base}/tasks/admin`, { headers: auth });
  t.is(admin.status, 200, "the relative redirect lands on /tasks/admin/ although Express strips the prefix");
  t.is(new URL(admin.url).pathname, "/tasks/admin/");
  const detail = await fetch(new URL(`tasks/${r.id}/`, admin.url), { headers: auth });
  t.regex(await detail.text(), /<pre class="return-value">3<\/pre>/);
  // The login cookie's Path is what the browser sees (/tasks/admin/), although Express strips /tasks.
  const login = await fetch(`${base}/tasks/admin/login/`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", referer: `${base}/tasks/admin/`, origin: base },
    body: new URLSearchParams({ secret: TOKEN, next: "" }).toString(),
  });
  t.is(login.status, 303);
  t.regex(login.headers.get("set-cookie") ?? "", /; Path=\/tasks\/admin\/;/);
  t.is(await (await fetch(`${base}/`)).text(), "express home");
});
