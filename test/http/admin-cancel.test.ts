/** The admin page's Cancel (errand's extension): the detail button, the list's bulk action, CSRF, the CANCELLED count. */
import test from "ava";
import { captureLogs, clearTasks, formInit, formSession, httpAdd, setUpDatabases, statusOf, targets, tearDownDatabases } from "./support.js";
import { createTasksApp } from "../../http/index.js";

test.before(async () => {
  captureLogs();
  await setUpDatabases();
});
test.after.always(tearDownDatabases);

for (const t of targets) {
  const app = () => createTasksApp({ auth: "none", backend: t.alias });
  const on = <T extends { using: (o: { backend: string }) => T }>(task: T) => task.using({ backend: t.alias });

  test.serial(`${t.name}: Cancel on the detail page and in the list, with CSRF; cancelled tasks are counted and filterable`, async (tt) => {
    await clearTasks(t.alias);
    const a = app();
    const one = await on(httpAdd).enqueue(1, 1);
    const two = await on(httpAdd).enqueue(2, 2);
    const done = await on(httpAdd).enqueue(3, 3);
    await a.request(`/execute/${done.id}/`, { method: "POST" });

    const detail = await (await a.request(`/admin/tasks/${one.id}/`)).text();
    tt.regex(detail, /<button type="submit" name="action" value="cancel" class="danger">Cancel<\/button>/);
    tt.notRegex(await (await a.request(`/admin/tasks/${done.id}/`)).text(), /value="cancel"/, "no Cancel for a finished task");
    const list = await (await a.request("/admin/")).text();
    tt.regex(list, /value="cancel"[^>]*>Cancel selected</);

    const session = await formSession(await a.request("/admin/"));
    const post = (fields: [string, string][]) => a.request("/admin/actions/", formInit(fields, { cookie: session.cookie }));
    tt.is((await post([["action", "cancel"], ["id", one.id], ["csrf", "0".repeat(32) + ".forged"]])).status, 403);
    tt.is(await statusOf(t.alias, one.id), "READY");

    const fromDetail = await post([["action", "cancel"], ["id", one.id], ["csrf", session.token], ["from", "detail"]]);
    tt.is(fromDetail.headers.get("location"), `../tasks/${one.id}/?done=cancel&ok=1&failed=0&skipped=0`);
    tt.is(await statusOf(t.alias, one.id), "CANCELLED");
    const page = await (await a.request(`/admin/tasks/${one.id}/?done=cancel&ok=1&failed=0&skipped=0`)).text();
    tt.regex(page, /Cancel selected: 1 cancelled\./);
    tt.regex(page, /badge-cancelled/);

    const bulk = await post([["action", "cancel"], ["id", two.id], ["id", done.id], ["id", one.id], ["csrf", session.token]]);
    tt.is(bulk.headers.get("location"), "../?done=cancel&ok=1&failed=0&skipped=2");
    tt.is(await statusOf(t.alias, two.id), "CANCELLED");
    tt.is(await statusOf(t.alias, done.id), "SUCCESSFUL");

    const after = await (await a.request("/admin/?done=cancel&ok=1&failed=0&skipped=2")).text();
    tt.regex(after, /Cancel selected: 1 cancelled, 2 skipped \(already finished\)\./);
    tt.regex(after, /<a class="cancelled" href="\.\/\?status=CANCELLED"><span class="n">2<\/span><span class="l">Cancelled<\/span>/);
    const filtered = await (await a.request("/admin/?status=CANCELLED")).text();
    tt.is([...filtered.matchAll(/<a class="task-name" href="tasks\//g)].length, 2);
  });
}
