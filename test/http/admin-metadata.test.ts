/**
 * The admin page shows a task's metadata: in headless Chromium (playwright-core, as browser.test.ts),
 * a RUNNING task that saved `progress: 0.4` shows a 40 % progress bar (on its page and its list row) and
 * its metadata as JSON; once
 * it finishes with progress 1 the bar is full; a task without metadata shows neither. The JSON
 * endpoints' results carry `metadata`. Screenshots go to test-artifacts/.
 */
import { join } from "node:path";
import test from "ava";
import { ARTIFACTS, useAdminBrowser } from "./admin-browser.js";
import { bearerToken, createTasksApp } from "../../http/index.js";
import { task, type TaskContext } from "../../src/index.js";
import { processOneTask } from "../../src/worker/index.js";
import { clearTasks, httpAdd } from "./support.js";

const TOKEN = "metadata-test-token";

let release!: () => void;
const released = new Promise<void>((resolve) => {
  release = resolve;
  setTimeout(resolve, 60_000).unref();
});
const importing = task({ name: "http.importing", takesContext: true }, async (context: TaskContext, rows: number) => {
  context.metadata.progress = 0.4;
  context.metadata.rows = { done: rows * 0.4, total: rows };
  await context.saveMetadata();
  await released;
  context.metadata.progress = 1;
  context.metadata.rows = { done: rows, total: rows };
  return rows;
});

const ui = useAdminBrowser({ auth: bearerToken(TOKEN) }, () => release());

test.serial("a running task's progress is a bar on its detail page; metadata is shown as JSON; the bar fills when it finishes", async (t) => {
  await clearTasks("default");
  const plain = await httpAdd.enqueue(1, 2);
  const running = await importing.enqueue(500);
  const run = processOneTask({ tasks: [importing] });
  const deadline = Date.now() + 30_000;
  while ((await running.refresh(), running.metadata.progress) !== 0.4) {
    if (Date.now() > deadline) return t.fail("progress never saved");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }

  const context = await ui.browser.newContext({ viewport: { width: 1280, height: 900 }, extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (m) => void (m.type() === "error" && problems.push(m.text())));
  page.on("pageerror", (e) => void problems.push(e.message));

  await page.goto(`${ui.base}/admin/tasks/${running.id}/`);
  const bar = page.locator("section.card progress.progress");
  t.is(await bar.count(), 1);
  t.is(await bar.getAttribute("value"), "0.4");
  t.is(await bar.getAttribute("max"), "1");
  t.is(await page.locator(".progress-label").innerText(), "40%");
  const box = await bar.boundingBox();
  t.true((box?.width ?? 0) > 100, "the bar is drawn (the stylesheet applies under the CSP)");
  t.deepEqual(JSON.parse(await page.locator("pre.metadata").innerText()), { progress: 0.4, rows: { done: 200, total: 500 } });
  await page.screenshot({ path: join(ARTIFACTS, "admin-task-progress.png"), fullPage: true });

  await page.goto(`${ui.base}/admin/`);
  const row = page.locator("table.tasks tbody tr", { has: page.locator(`input[value="${running.id}"]`) });
  t.is(await row.locator("progress.progress").getAttribute("value"), "0.4", "the list row shows the bar too");
  t.is(await page.locator("table.tasks tbody tr", { has: page.locator(`input[value="${plain.id}"]`) }).locator("progress").count(), 0);
  await page.screenshot({ path: join(ARTIFACTS, "admin-list-progress.png"), fullPage: true });
  await page.goto(`${ui.base}/admin/tasks/${running.id}/`);

  release();
  t.is((await run)?.status, "SUCCESSFUL");
  await page.reload();
  t.is(await bar.getAttribute("value"), "1");
  t.is(await page.locator(".progress-label").innerText(), "100%");
  t.deepEqual(JSON.parse(await page.locator("pre.metadata").innerText()), { progress: 1, rows: { done: 500, total: 500 } });

  await page.goto(`${ui.base}/admin/tasks/${plain.id}/`);
  t.is(await page.locator("progress").count(), 0, "no progress reported: no bar");
  t.regex(await page.locator("section.card", { hasText: "Metadata" }).innerText(), /No metadata saved\./);
  t.deepEqual(problems, []);
  await context.close();

  const api = createTasksApp({ auth: "none" });
  const body = (await (await api.request(`/execute/${plain.id}/`, { method: "POST" })).json()) as { result: { metadata: unknown } };
  t.deepEqual(body.result.metadata, {}, "JSON endpoints carry metadata");
});
