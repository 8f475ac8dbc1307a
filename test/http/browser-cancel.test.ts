/**
 * The admin page's Cancel in a real browser (Debian's headless Chromium through playwright-core):
 * cancel a READY task from its detail page, then another from the list's selection, and see the
 * CANCELLED badges and count. A screenshot goes to test-artifacts/.
 */
import { existsSync, mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { join } from "node:path";
import test from "ava";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { chromium, type Browser } from "playwright-core";
import { bearerToken, createTasksApp } from "../../http/index.js";
import { captureLogs, clearTasks, httpAdd, setUpDatabases, statusOf, tearDownDatabases } from "./support.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const TOKEN = "browser-cancel-token";
const ARTIFACTS = "test-artifacts";
let server: Server | undefined;
let browser: Browser | undefined;
let base = "";

test.before(async () => {
  captureLogs();
  await setUpDatabases();
  const app = new Hono();
  app.route("/tasks", createTasksApp({ auth: bearerToken(TOKEN) }));
  server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server;
  await new Promise<void>((resolve) => server?.once("listening", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tasks`;
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (never npx playwright install)`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
  mkdirSync(ARTIFACTS, { recursive: true });
});

test.after.always(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await tearDownDatabases();
});

test.serial("cancel a READY task from its detail page and another from the list", async (t) => {
  await clearTasks("default");
  const first = await httpAdd.enqueue(1, 2);
  await new Promise((r) => setTimeout(r, 15));
  const second = await httpAdd.enqueue(3, 4);
  const context = await browser!.newContext({ viewport: { width: 1280, height: 860 }, extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (e) => void problems.push(e.message));

  await page.goto(`${base}/admin/tasks/${first.id}/`);
  await page.click("button[value=cancel]");
  await page.waitForSelector(".notice");
  t.regex(await page.locator(".notice").innerText(), /Cancel selected: 1 cancelled\./);
  t.is(await page.locator(".headline .badge").innerText(), "CANCELLED");
  t.is(await page.locator("button[value=cancel]").count(), 0, "no Cancel for a cancelled task");
  t.is(await statusOf("default", first.id), "CANCELLED");

  await page.click("text=← All tasks");
  await page.check(`input[name=id][value="${second.id}"]`);
  await page.click("button[value=cancel]");
  await page.waitForSelector(".notice");
  t.regex(await page.locator(".notice").innerText(), /Cancel selected: 1 cancelled\./);
  t.is(await page.locator(".badge-cancelled").count(), 2);
  t.regex(await page.locator(".summary .cancelled").innerText(), /2\s+Cancelled/i);
  t.is(await statusOf("default", second.id), "CANCELLED");
  await page.screenshot({ path: join(ARTIFACTS, "admin-cancelled.png"), fullPage: true });
  t.deepEqual(problems, []);
  await context.close();
});
