/** The admin page through `app.request`: list, filters, search, pages, detail, actions with CSRF, purge. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import test from "ava";
import { clearTasks, captureLogs, formInit, formSession, httpAdd, httpBoom, httpFlaky, scratchDir, setUpDatabases, statusOf, targets, tearDownDatabases } from "./support.js";
import { createTasksApp } from "../../http/index.js";

test.before(async () => {
  captureLogs();
  await setUpDatabases();
});
test.after.always(tearDownDatabases);

const rowsOf = (html: string) => [...html.matchAll(/<a class="task-name" href="tasks\/([^/]+)\/">([^<]+)<\/a>/g)].map((m) => ({ id: m[1], name: m[2] }));

for (const t of targets) {
  const app = () => createTasksApp({ auth: "none", backend: t.alias, pageSize: 3 });
  const on = <T extends { using: (o: { backend: string }) => T }>(task: T) => task.using({ backend: t.alias });

  test.serial(`${t.name}: the list shows tasks newest first, with status counts, filters, search and pages`, async (tt) => {
    await clearTasks(t.alias);
    const a = app();
    tt.is((await a.request("/admin")).headers.get("location"), "admin/");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await on(httpAdd).enqueue(i, i)).id);
      await new Promise((r) => setTimeout(r, 5));
    }
    const failed = await on(httpBoom).using({ queueName: "mail" }).enqueue("bad");
    await a.request(`/execute/${failed.id}/`, { method: "POST" });
    const res = await a.request("/admin/");
    tt.is(res.status, 200);
    tt.regex(res.headers.get("content-type") ?? "", /text\/html/);
    tt.regex(res.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    tt.regex(res.headers.get("set-cookie") ?? "", /^errand_csrf=[0-9a-f]{32}; Path=\/; HttpOnly; SameSite=Strict/);
    const html = await res.text();
    tt.deepEqual(rowsOf(html).map((r) => r.id), [failed.id, ids[4], ids[3]]);
    tt.regex(html, /Page 1 of 2/);
    tt.regex(html, /<span class="n">5<\/span><span class="l">Ready<\/span>/);
    tt.regex(html, /<span class="n">1<\/span><span class="l">Failed<\/span>/);
    tt.regex(html, /badge badge-failed">FAILED</);
    const page2 = await (await a.request("/admin/?page=2")).text();
    tt.deepEqual(rowsOf(page2).map((r) => r.id), [ids[2], ids[1], ids[0]]);
    tt.deepEqual(rowsOf(await (await a.request("/admin/?status=FAILED")).text()).map((r) => r.id), [failed.id]);
    tt.deepEqual(rowsOf(await (await a.request("/admin/?queue=mail")).text()).map((r) => r.id), [failed.id]);
    tt.deepEqual(rowsOf(await (await a.request("/admin/?task=http.boom")).text()).map((r) => r.id), [failed.id]);
    tt.is(rowsOf(await (await a.request(`/admin/?backend=${t.alias}&status=READY`)).text()).length, 3);
    tt.is(rowsOf(await (await a.request("/admin/?backend=elsewhere")).text()).length, 0);
    tt.deepEqual(rowsOf(await (await a.request("/admin/?q=BOOM")).text()).map((r) => r.id), [failed.id], "name search ignores case");
    tt.deepEqual(rowsOf(await (await a.request(`/admin/?q=${ids[2]?.slice(0, 8)}`)).text()).map((r) => r.id), [ids[2]], "id prefix search");
    const empty = await (await a.request("/admin/?q=nothing-like-this")).text();
    tt.regex(empty, /No tasks match these filters/);
  });

  test.serial(`${t.name}: the detail page shows arguments, return value, every error with its stack, workers and timeline`, async (tt) => {
    await clearTasks(t.alias);
    const a = app();
    const flag = join(scratchDir, `flag-${t.name}-detail`);
    const r = await on(httpFlaky).enqueue(flag);
    await a.request(`/execute/${r.id}/`, { method: "POST" });
    await a.request(`/execute/${r.id}/?allow_retry=true`, { method: "POST" });
    const html = await (await a.request(`/admin/tasks/${r.id}/`)).text();
    tt.regex(html, /<h1 class="task-name">http\.flaky<\/h1>/);
    tt.regex(html, /Errors \(2\)/);
    tt.is([...html.matchAll(/<pre class="traceback">Error: flag file [^\n]+ is missing\n\s+at /g)].length, 2);
    tt.regex(html, /Attempts<\/dt><dd>2 of 2</);
    tt.is([...html.matchAll(/<li>[^<]+:\d+:[0-9a-f]{6}<\/li>/g)].length, 2, "both worker ids");
    for (const step of ["Enqueued", "Run after", "Due", "Started", "Last attempt", "Finished"]) tt.regex(html, new RegExp(`<span class="what">${step}</span>`));
    tt.regex(html, new RegExp(`<pre class="args">\\[\\n  &quot;${flag.replace(/[/.]/g, "\\$&")}&quot;\\n\\]</pre>`));
    tt.regex(html, /value="retry">Retry</);
    const ok = await on(httpAdd).enqueue(20, 22);
    await a.request(`/execute/${ok.id}/`, { method: "POST" });
    const okHtml = await (await a.request(`/admin/tasks/${ok.id}/`)).text();
    tt.regex(okHtml, /<pre class="return-value">42<\/pre>/);
    tt.regex(okHtml, /No errors recorded/);
    const missing = await a.request("/admin/tasks/does-not-exist/");
    tt.is(missing.status, 404);
    tt.regex(await missing.text(), /Task not found/);
  });

  test.serial(`${t.name}: run and retry actions need a valid CSRF token and report what they did`, async (tt) => {
    await clearTasks(t.alias);
    const a = app();
    const flag = join(scratchDir, `flag-${t.name}-actions`);
    const ready = await on(httpAdd).enqueue(1, 2);
    const flaky = await on(httpFlaky).enqueue(flag);
    await a.request(`/execute/${flaky.id}/`, { method: "POST" });
    const session = await formSession(await a.request("/admin/?status=READY"));
    const post = (fields: [string, string][], headers: Record<string, string> = {}) => a.request("/admin/actions/", formInit(fields, { cookie: session.cookie, ...headers }));
    for (const [fields, headers] of [
      [[["action", "run"], ["id", ready.id]], {}],
      [[["action", "run"], ["id", ready.id], ["csrf", "0".repeat(32) + ".forged"]], {}],
      [[["action", "run"], ["id", ready.id], ["csrf", session.token]], { "sec-fetch-site": "cross-site" }],
    ] as [[string, string][], Record<string, string>][]) {
      const res = await post(fields, headers);
      tt.is(res.status, 403);
    }
    const noCookie = await a.request("/admin/actions/", formInit([["action", "run"], ["id", ready.id], ["csrf", session.token]]));
    tt.is(noCookie.status, 403);
    tt.is(await statusOf(t.alias, ready.id), "READY");

    const run = await post([["action", "run"], ["id", ready.id], ["id", flaky.id], ["csrf", session.token], ["back", "status=READY&evil=1"]]);
    tt.is(run.status, 303);
    tt.is(run.headers.get("location"), "../?status=READY&done=run&ok=1&failed=0&skipped=1");
    tt.is(await statusOf(t.alias, ready.id), "SUCCESSFUL");
    const notice = await (await a.request("/admin/?status=READY&done=run&ok=1&failed=0&skipped=1")).text();
    tt.regex(notice, /Run selected: 1 succeeded, 1 skipped/);

    writeFileSync(flag, "");
    const retry = await post([["action", "retry"], ["id", flaky.id], ["csrf", session.token], ["from", "detail"]]);
    tt.is(retry.headers.get("location"), `../tasks/${flaky.id}/?done=retry&ok=1&failed=0&skipped=0`);
    tt.is(await statusOf(t.alias, flaky.id), "SUCCESSFUL");
    const none = await post([["action", "run"], ["csrf", session.token]]);
    tt.is(none.headers.get("location"), "../?done=none");
    tt.is((await post([["action", "delete"], ["csrf", session.token], ["id", ready.id]])).status, 400);
  });

  test.serial(`${t.name}: purge previews the count and deletes only after confirmation`, async (tt) => {
    await clearTasks(t.alias);
    const a = app();
    const done = await on(httpAdd).enqueue(1, 1);
    await a.request(`/execute/${done.id}/`, { method: "POST" });
    const ready = await on(httpAdd).enqueue(2, 2);
    const form = await (await a.request("/admin/purge/")).text();
    tt.regex(form, /READY and RUNNING tasks are never deleted/);
    const preview = await a.request("/admin/purge/?status=SUCCESSFUL&status=FAILED&days=0&preview=1");
    const session = await formSession(preview);
    tt.regex(session.html, /<strong>1<\/strong> finished task \(SUCCESSFUL,FAILED\) of any age will be deleted/);
    const post = (fields: [string, string][]) => a.request("/admin/purge/", formInit(fields, { cookie: session.cookie }));
    tt.is((await post([["csrf", session.token], ["days", "0"], ["status", "SUCCESSFUL,FAILED"]])).status, 400, "no confirmation");
    tt.is((await post([["confirm", "yes"], ["days", "0"], ["status", "SUCCESSFUL,FAILED"]])).status, 403, "no token");
    tt.is(await statusOf(t.alias, done.id), "SUCCESSFUL");
    const res = await post([["csrf", session.token], ["confirm", "yes"], ["days", "0"], ["status", "SUCCESSFUL,FAILED"]]);
    tt.is(res.headers.get("location"), "../?done=purge&deleted=1");
    await tt.throwsAsync(() => statusOf(t.alias, done.id));
    tt.is(await statusOf(t.alias, ready.id), "READY");
  });
}
