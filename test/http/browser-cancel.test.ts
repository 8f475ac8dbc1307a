/**
 * The admin page's Cancel in a real browser (Debian's headless Chromium through playwright-core):
 * cancel a READY task from its detail page, then another from the list's selection, and see the
 * CANCELLED badges and count. A screenshot goes to test-artifacts/.
 */
import { join } from "node:path";
import test from "ava";
import { ARTIFACTS, useAdminBrowser } from "./admin-browser.js";
import { bearerToken } from "../../http/index.js";
import { clearTasks, httpAdd, statusOf } from "./support.js";

const TOKEN = "browser-cancel-token";

const ui = useAdminBrowser({ auth: bearerToken(TOKEN) });

test.serial("cancel a READY task from its detail page and another from the list", async (t) => {
  await clearTasks("default");
  const first = await httpAdd.enqueue(1, 2);
  await new Promise((r) => setTimeout(r, 15));
  const second = await httpAdd.enqueue(3, 4);
  const context = await ui.browser.newContext({ viewport: { width: 1280, height: 860 }, extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (e) => void problems.push(e.message));

  await page.goto(`${ui.base}/admin/tasks/${first.id}/`);
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
