/**
 * The admin page in a real browser: Debian's headless Chromium driven by playwright-core. Lists,
 * filters, searches, opens a failed task and reads its stack, retries it after fixing the cause,
 * and sees it succeed; screenshots go to test-artifacts/ (laptop and phone sizes).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import test from "ava";
import { clearTasks, httpAdd, httpBoom, httpEcho, httpFlaky, scratchDir, statusOf } from "./support.js";
import { ARTIFACTS, useAdminBrowser } from "./admin-browser.js";
import { bearerToken, createTasksApp } from "../../http/index.js";

const TOKEN = "browser-test-token";

const ui = useAdminBrowser({ auth: bearerToken(TOKEN), pageSize: 10 });

async function seed(flag: string): Promise<{ flakyId: string; readyIds: string[] }> {
  await clearTasks("default");
  const app = createTasksApp({ auth: "none" });
  const step = () => new Promise((r) => setTimeout(r, 15));
  for (const [a, b] of [[1, 2], [3, 4], [5, 6]] as const) {
    await httpAdd.enqueue(a, b);
    await step();
  }
  await httpEcho.using({ queueName: "reports" }).enqueue({ html: "<script>alert(1)</script>", quote: `"'` });
  await step();
  await httpBoom.using({ queueName: "emails" }).enqueue("smtp down");
  await step();
  await app.request("/run/", { method: "POST" });
  const flaky = await httpFlaky.using({ queueName: "emails" }).enqueue(flag);
  await app.request(`/execute/${flaky.id}/`, { method: "POST" });
  await step();
  const readyIds = [(await httpAdd.using({ priority: 5 }).enqueue(10, 20)).id, (await httpEcho.enqueue("later")).id];
  await step();
  await httpAdd.using({ runAfter: new Date(Date.now() + 3_600_000), queueName: "nightly" }).enqueue(7, 8);
  return { flakyId: flaky.id, readyIds };
}

test.serial("list, filter, search, read a failed task's stack, retry it and see it succeed", async (t) => {
  const flag = join(scratchDir, "browser-flag");
  const { flakyId, readyIds } = await seed(flag);
  const context = await ui.browser.newContext({ viewport: { width: 1280, height: 860 }, extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (m) => void (m.type() === "error" && problems.push(m.text())));
  page.on("pageerror", (e) => void problems.push(e.message));

  await page.goto(`${ui.base}/admin`);
  t.is(new URL(page.url()).pathname, "/tasks/admin/");
  t.is(await page.locator("table.tasks tbody tr").count(), 9);
  t.is(await page.locator(".badge-failed").count(), 2);
  t.is(await page.locator(".badge-successful").count(), 4);
  t.regex(await page.locator(".summary").innerText(), /1 delayed/i);
  t.regex(await page.locator("td.c-status .hint").innerText(), /^due in (60 min|1 h)$/);
  await page.screenshot({ path: join(ARTIFACTS, "admin.png"), fullPage: true });

  await page.selectOption("select[name=status]", "FAILED");
  await page.click("form.filters button[type=submit]");
  t.deepEqual(await page.locator("a.task-name").allInnerTexts(), ["http.flaky", "http.boom"]);
  await page.selectOption("select[name=queue]", "emails");
  await page.fill("input[name=q]", "FLAKY");
  await page.click("form.filters button[type=submit]");
  t.deepEqual(await page.locator("a.task-name").allInnerTexts(), ["http.flaky"]);
  t.regex(page.url(), /status=FAILED/);

  await page.click("a.task-name");
  t.is(new URL(page.url()).pathname, `/tasks/admin/tasks/${flakyId}/`);
  const stack = await page.locator("details.error[open] pre.traceback").innerText();
  t.regex(stack, /^Error: flag file .* is missing\n\s+at /);
  t.regex(stack, /support\.ts/);
  t.regex(await page.locator("dl.facts").innerText(), /Attempts\s+1 of 1/);
  await page.screenshot({ path: join(ARTIFACTS, "admin-failed-task.png"), fullPage: true });

  writeFileSync(flag, "fixed");
  await page.click("button[value=retry]");
  await page.waitForSelector(".notice");
  t.regex(await page.locator(".notice").innerText(), /Retry selected: 1 succeeded/);
  t.is(await page.locator(".headline .badge").innerText(), "SUCCESSFUL");
  t.is(await page.locator("pre.return-value").innerText(), '"recovered"');
  t.regex(await page.locator("h2", { hasText: "Errors" }).innerText(), /Errors \(1\)/, "the earlier failure stays on record");
  t.is(await statusOf("default", flakyId), "SUCCESSFUL");

  await page.click("text=← All tasks");
  await page.selectOption("select[name=status]", "READY");
  await page.click("form.filters button[type=submit]");
  await page.check("#select-all");
  await page.click("button[value=run]");
  // Run selected runs READY tasks now, delayed ones included (as django-database-task's action does).
  t.regex(await page.locator(".notice").innerText(), /Run selected: 3 succeeded\./);
  for (const id of readyIds) t.is(await statusOf("default", id), "SUCCESSFUL");

  await page.click("header nav >> text=Purge");
  await page.fill("input[name=days]", "0");
  await page.click("button[value='1']");
  t.regex(await page.locator(".purge-summary").innerText(), /9 finished tasks/);
  await page.click("button.danger");
  t.false(page.url().includes("done=purge"), "the browser refuses without the confirmation box");
  await page.check("input[name=confirm]");
  await page.click("button.danger");
  t.regex(await page.locator(".notice").innerText(), /deleted 9 finished task/);
  t.regex(await page.locator(".empty").innerText(), /No tasks match/);
  t.deepEqual(problems, [], "no console errors (CSP, script)");
  await context.close();
});

test.serial("the admin page on a phone", async (t) => {
  await seed(join(scratchDir, "phone-flag"));
  const context = await ui.browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` },
  });
  const page = await context.newPage();
  await page.goto(`${ui.base}/admin/`);
  const overflow = Number(await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"));
  t.true(overflow <= 0, `no horizontal scrolling (overflow ${overflow}px)`);
  t.is(await page.locator("table.tasks thead").isVisible(), false, "rows become cards");
  await page.screenshot({ path: join(ARTIFACTS, "admin-phone.png"), fullPage: true });
  await page.click("a.task-name >> text=http.boom");
  const detailOverflow = Number(await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"));
  t.true(detailOverflow <= 0, `detail page fits (overflow ${detailOverflow}px)`);
  await page.screenshot({ path: join(ARTIFACTS, "admin-phone-detail.png"), fullPage: true });
  await context.close();
});

test.serial("a person logs in with the token through the form, without any header, and logs out", async (t) => {
  await clearTasks("default");
  const r = await httpAdd.enqueue(20, 22);
  const context = await ui.browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (e) => void problems.push(e.message));

  const first = await page.goto(`${ui.base}/admin/tasks/${r.id}/`);
  t.is(first?.status(), 401);
  t.is(await page.locator('input[type="password"][name="secret"]').count(), 1);
  await page.fill('input[name="secret"]', "not-the-token");
  await Promise.all([page.waitForURL(/\/admin\/login\/$/), page.click('button[type="submit"]')]);
  t.regex(await page.locator('[role="alert"]').innerText(), /Wrong token/);

  await page.fill('input[name="secret"]', TOKEN);
  await Promise.all([page.waitForURL(new RegExp(`/admin/tasks/${r.id}/$`)), page.click('button[type="submit"]')]);
  t.is(await page.locator("h1.task-name").innerText(), "http.add", "back on the page first asked for");
  const [cookie] = (await context.cookies()).filter((c) => c.name === "errand_admin_session");
  t.like(cookie, { httpOnly: true, sameSite: "Strict", path: "/tasks/admin/" });
  t.false((cookie?.value ?? "").includes(TOKEN));

  // The session cookie is enough for the forms too (CSRF token bound to it): run it from the list.
  await page.goto(`${ui.base}/admin/`);
  t.is(await page.locator("table.tasks tbody tr").count(), 1);
  await page.screenshot({ path: join(ARTIFACTS, "admin-logged-in.png"), fullPage: true });

  await Promise.all([page.waitForURL(/\/admin\/login\/$/), page.click('form.logout button[type="submit"]')]);
  t.is((await context.cookies()).filter((c) => c.name === "errand_admin_session").length, 0);
  const again = await page.goto(`${ui.base}/admin/`);
  t.is(again?.status(), 401);
  t.deepEqual(problems, []);
  await context.close();
});
