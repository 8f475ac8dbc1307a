/**
 * A database that was never migrated: run/, status/, execute/ and the admin page say which database
 * lacks the table and what to run, instead of a bare 500.
 */
import test from "ava";
import { createTasksApp } from "../../http/index.js";
import { DatabaseBackend } from "../../backends/database/index.js";
import { configureTasks, taskBackends } from "../../src/index.js";
import { freshDatabase, PG_URL, type TestDatabase } from "../helpers/databases.js";
import { captureLogs, jsonInit } from "./support.js";

// SQLite creates its table on first use; PostgreSQL (and MySQL) need `errand migrate`.
const KINDS = PG_URL ? (["postgresql"] as const) : [];
const databases: TestDatabase[] = [];

test.before(async () => {
  captureLogs();
  const config: Parameters<typeof configureTasks>[0] = {};
  for (const kind of KINDS) {
    const db = await freshDatabase(kind);
    databases.push(db);
    config[kind] = { BACKEND: DatabaseBackend, QUEUES: [], OPTIONS: { url: db.url } };
  }
  configureTasks(config);
});

test.after.always(async () => {
  await taskBackends.close();
  for (const db of databases) await db.drop();
});

if (KINDS.length === 0) test("needs ERRAND_TEST_PG_URL (run through scripts/test.sh)", (t) => t.pass());
for (const kind of KINDS) {
  test.serial(`${kind}: every route names the database and "errand migrate" (503), the admin page as HTML`, async (t) => {
    const app = createTasksApp({ auth: "none", backend: kind });
    const message = /^the task table does not exist in .+: run "errand migrate"/i;
    const calls: [string, RequestInit][] = [
      ["/run/", jsonInit("POST", {})],
      ["/run-one/", { method: "POST" }],
      ["/status/", {}],
      ["/execute/00000000-0000-4000-8000-000000000000/", { method: "POST" }],
      ["/purge/", jsonInit("POST", { dry_run: true })],
    ];
    for (const [path, init] of calls) {
      const res = await app.request(path, init);
      const body = (await res.json()) as { error: string };
      t.is(res.status, 503, `${path}: ${body.error}`);
      t.regex(body.error, message, path);
    }
    const page = await app.request("/admin/");
    t.is(page.status, 503);
    t.is(page.headers.get("content-type"), "text/html; charset=utf-8");
    t.regex(await page.text(), /the task table does not exist in .+: run &quot;errand migrate&quot;/i);
  });
}
