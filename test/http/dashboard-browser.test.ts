/**
 * The admin dashboard in a real browser (Debian's headless Chromium through playwright-core): the last
 * hour's throughput and failures per minute, queue depth, the live workers of a running Worker, and the
 * page's auto-refresh. Screenshots go to test-artifacts/ (docs/admin-dashboard.png is one of them).
 */
import test from "ava";
import { ARTIFACTS, useAdminBrowser } from "./admin-browser.js";
import { bearerToken } from "../../http/index.js";
import { task } from "../../src/index.js";
import { processTasks, Worker } from "../../src/worker/index.js";
import { resolveDatabaseBackend } from "../../backends/database/resolve-backend.js";
import { clearTasks } from "./support.js";

const TOKEN = "dashboard-test-token";

const report = task({ name: "dash.report" }, (n: number) => n * 2);
const invoice = task({ name: "dash.invoice" }, (n: number) => {
  if (n % 4 === 0) throw new Error(`invoice ${n} rejected`);
  return n;
});
/** Holds its worker slot until `gate.open()`. */
const gate = { open: () => {}, started: 0, wait: Promise.resolve() };
const resize = task({ name: "dash.resize" }, async () => {
  gate.started++;
  await gate.wait;
  return "done";
});

const ui = useAdminBrowser({ auth: bearerToken(TOKEN) });

/** Finished tasks spread over the last hour: their finish times are moved back by whole minutes. */
async function seedHistory(): Promise<{ succeeded: number; failed: number }> {
  await clearTasks("default");
  const reports = await report.using({ queueName: "reports" }).enqueueMany(Array.from({ length: 90 }, (_, i) => [i]));
  const invoices = await invoice.using({ queueName: "billing" }).enqueueMany(Array.from({ length: 40 }, (_, i) => [i]));
  await processTasks({ tasks: [report, invoice] });
  const ctx = await resolveDatabaseBackend("default").queryContext();
  const now = Date.now();
  for (const [i, r] of [...reports, ...invoices].entries()) {
    const minutesAgo = (i * 7) % 58;
    await ctx.execute(`UPDATE ${ctx.table} SET finished_at = ? WHERE id = ?`, [ctx.dialect.toDb(new Date(now - minutesAgo * 60_000)), r.id]);
  }
  // Waiting work: depth per queue.
  await report.using({ queueName: "reports" }).enqueueMany(Array.from({ length: 12 }, (_, i) => [i]));
  await invoice.using({ queueName: "billing" }).enqueueMany(Array.from({ length: 5 }, (_, i) => [i + 1]));
  await report.using({ queueName: "emails" }).enqueueMany([[1], [2]]);
  return { succeeded: 90 + 30, failed: 10 };
}

test.serial("the dashboard charts the last hour, the queue depth and the live workers, and refreshes itself", async (t) => {
  const totals = await seedHistory();
  // A worker holding three tasks: the live workers table shows it.
  gate.started = 0;
  gate.wait = new Promise<void>((resolve) => (gate.open = resolve));
  await resize.using({ queueName: "images" }).enqueueMany([[], [], [], []]);
  const worker = new Worker({ tasks: [resize], concurrency: 3, queues: ["images"], workerId: "web-1:4242:a1b2c3", intervalMs: 50 });
  const running = worker.run();
  try {
    for (let i = 0; i < 200 && gate.started < 3; i++) await new Promise((r) => setTimeout(r, 50));
    t.is(gate.started, 3);

    const context = await ui.browser.newContext({ viewport: { width: 1280, height: 1000 }, extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("console", (m) => void (m.type() === "error" && problems.push(m.text())));
    page.on("pageerror", (e) => void problems.push(e.message));

    await page.goto(`${ui.base}/admin/`);
    await page.click("header nav >> text=Dashboard");
    t.is(new URL(page.url()).pathname, "/tasks/admin/dashboard/");
    t.is(await page.locator('meta[http-equiv="refresh"]').getAttribute("content"), "10");
    t.is(await page.locator(".summary .successful .n").textContent(), String(totals.succeeded));
    t.is(await page.locator(".summary .failed .n").textContent(), String(totals.failed));
    const bars = page.locator('svg[aria-label^="Tasks finished per minute"] rect');
    t.true((await bars.count()) > 20, "bars for the minutes with finishes");
    t.true((await page.locator('svg[aria-label^="Tasks finished per minute"] rect[fill="#cf222e"]').count()) > 0, "failures in red");
    const depth = page.locator('svg[aria-label="READY tasks per queue"] title');
    t.deepEqual(await depth.allTextContents(), ["reports: 12 READY", "billing: 5 READY", "emails: 2 READY", "images: 1 READY"]);
    const workerRow = page.locator("table.workers tbody tr");
    t.is(await workerRow.count(), 1);
    t.deepEqual((await workerRow.locator("td").allTextContents()).slice(0, 2), ["web-1:4242:a1b2c3", "web-1"]);
    t.is(await workerRow.locator("td").nth(3).textContent(), "3");
    await page.screenshot({ path: `${ARTIFACTS}/admin-dashboard.png`, fullPage: true });

    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: `${ARTIFACTS}/admin-dashboard-phone.png`, fullPage: true });

    // Auto-refresh: off with ?refresh=0; the list page refreshes on request.
    await page.click("text=stop");
    t.is(await page.locator('meta[http-equiv="refresh"]').count(), 0);
    await page.goto(`${ui.base}/admin/?refresh=5`);
    t.is(await page.locator('meta[http-equiv="refresh"]').getAttribute("content"), "5");
    t.deepEqual(problems, [], "no console errors (a CSP violation would be one)");
    await context.close();
  } finally {
    gate.open();
    worker.stop();
    await running;
  }
});
